/**
 * The one judgement of a response (success, failure, retryable failure) that retry, breaker and metrics share:
 * {@link io.mesh4j.core.classify.ResponseClassifier}, whose {@code ofDefault()} the mesh uses unless told.
 */
@NullMarked
package io.mesh4j.core.classify;

import org.jspecify.annotations.NullMarked;
