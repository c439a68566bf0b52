/**
 * Load balancing: one factory, {@link io.mesh4j.client.balancer.Balancers}, in front of one package per algorithm.
 */
@NullMarked
package io.mesh4j.client.balancer;

import org.jspecify.annotations.NullMarked;
