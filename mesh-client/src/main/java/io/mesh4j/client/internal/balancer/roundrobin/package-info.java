/**
 * Round robin: each endpoint in turn, blind to load.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer.roundrobin;

import org.jspecify.annotations.NullMarked;
