/**
 * The one judgement of a response (success, failure, retryable failure) that retry, breaker and metrics share.
 */
@NullMarked
package io.mesh4j.core.classify;

import org.jspecify.annotations.NullMarked;
