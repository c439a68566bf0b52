/**
 * A circuit breaker per endpoint, and the ejection of endpoints whose breaker is open: when they open and for how
 * long is a {@link io.mesh4j.client.breaker.BreakerConfig}, part of a service's {@code ClientPolicy}.
 */
@NullMarked
package io.mesh4j.client.breaker;

import org.jspecify.annotations.NullMarked;
