/**
 * A circuit breaker per endpoint, and the ejection of endpoints whose breaker is open.
 */
@NullMarked
package io.mesh4j.client.breaker;

import org.jspecify.annotations.NullMarked;
