/**
 * Random: each attempt to an endpoint picked uniformly at random, blind to load; the baseline the others beat.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer.random;

import org.jspecify.annotations.NullMarked;
