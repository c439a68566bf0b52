/**
 * A Spring Cloud {@code DiscoveryClient} and {@code ReactiveDiscoveryClient} of the mesh's registry, so that applications that find services through
 * Spring Cloud (its LoadBalancer, {@code DiscoveryClient} calls) see the mesh's services and instances.
 */
@NullMarked
package io.mesh4j.spring.discovery;

import org.jspecify.annotations.NullMarked;
