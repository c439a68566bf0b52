package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.Set;

import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RetrySpec.RetryOn;
import io.mesh4j.core.routing.RouteRule;

/**
 * How a typed client's method is retried: attempts in all, on which outcomes, each attempt bounded by
 * {@link #perAttemptTimeoutMillis()}, with full-jitter backoff between them; always within the service's retry
 * budget and the call's deadline.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Retry.Factory.class)
public @interface Retry {

    /** Attempts in all, the first included: 1 is no retry. */
    int attempts() default 3;

    RetryOn[] on() default {RetryOn.UNPROCESSED, RetryOn.UNAVAILABLE};

    /** The longest one attempt may take; 0 leaves it to the call's timeout. */
    long perAttemptTimeoutMillis() default 0;

    long backoffMillis() default 25;

    long maxBackoffMillis() default 1000;

    /** Sets the rule's retry policy and per-attempt timeout. */
    final class Factory implements RuleFactory<Retry> {
        @Override
        public void apply(Retry retry, RouteRule.Builder rule) {
            if (retry.perAttemptTimeoutMillis() < 0) {
                throw new IllegalArgumentException("@Retry(perAttemptTimeoutMillis = " + retry.perAttemptTimeoutMillis()
                        + ") (expected: > 0, or 0 for none)");
            }
            rule.retry(new RetrySpec(
                    retry.attempts(),
                    Set.of(retry.on()),
                    Duration.ofMillis(retry.backoffMillis()),
                    Duration.ofMillis(retry.maxBackoffMillis())));
            if (retry.perAttemptTimeoutMillis() > 0) {
                rule.perAttemptTimeout(Duration.ofMillis(retry.perAttemptTimeoutMillis()));
            }
        }
    }
}
