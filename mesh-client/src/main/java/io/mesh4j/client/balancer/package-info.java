/**
 * Load balancing: one factory, {@link io.mesh4j.client.balancer.Balancers}, in front of one implementation per
 * algorithm; {@link io.mesh4j.client.balancer.Balancer} is the interface a balancer of your own implements.
 */
@NullMarked
package io.mesh4j.client.balancer;

import org.jspecify.annotations.NullMarked;
