/**
 * Weighted round robin: each endpoint in turn, as often as its registered weight says.
 */
@NullMarked
package io.mesh4j.client.balancer.weighted;

import org.jspecify.annotations.NullMarked;
