/**
 * Random: each attempt to an endpoint picked uniformly at random, blind to load; the baseline the others beat.
 */
@NullMarked
package io.mesh4j.client.balancer.random;

import org.jspecify.annotations.NullMarked;
