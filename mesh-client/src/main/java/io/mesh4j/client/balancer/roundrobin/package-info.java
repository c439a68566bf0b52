/**
 * Round robin: each endpoint in turn, blind to load.
 */
@NullMarked
package io.mesh4j.client.balancer.roundrobin;

import org.jspecify.annotations.NullMarked;
