/**
 * Weighted round robin: each endpoint in turn, as often as its registered weight says.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer.weighted;

import org.jspecify.annotations.NullMarked;
