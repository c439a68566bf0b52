/**
 * Kubernetes as a discovery backend: the EndpointSlices of a Service, watched with the fabric8 client; see
 * {@link io.mesh4j.kubernetes.discovery.KubernetesDiscovery}.
 */
@NullMarked
package io.mesh4j.kubernetes.discovery;

import org.jspecify.annotations.NullMarked;
