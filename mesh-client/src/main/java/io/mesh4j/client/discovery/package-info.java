/**
 * Where a called service's endpoints come from (Finagle's and Linkerd 1's "namers"): the mesh registry by default,
 * or per service a {@linkplain io.mesh4j.client.discovery.Discovery#staticList(String) static list}, a
 * {@linkplain io.mesh4j.client.discovery.DnsDiscovery DNS name}, or another backend such as Kubernetes
 * EndpointSlices from the {@code mesh-kubernetes} module. The balancer, breakers, retries and telemetry treat them
 * all alike.
 */
@NullMarked
package io.mesh4j.client.discovery;

import org.jspecify.annotations.NullMarked;
