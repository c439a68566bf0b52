/**
 * The BREAKER layer and outlier ejection: one resilience4j breaker per endpoint, judged by one attempt at a time.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.breaker;

import org.jspecify.annotations.NullMarked;
