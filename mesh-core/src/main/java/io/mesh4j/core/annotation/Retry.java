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
 * budget and the call's deadline. On a method of a {@link ServiceClient} interface, or on the interface for every
 * method without one of its own; retries in the registry's route config win over it.
 *
 * <pre>{@code
 * @Get("/orders/{id}")
 * @Retry(attempts = 4, on = {RetryOn.UNPROCESSED, RetryOn.GATEWAY_ERROR}, perAttemptTimeoutMillis = 200)
 * CompletableFuture<Order> order(@Param("id") String id);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Retry.Factory.class)
public @interface Retry {

    /**
     * Returns the attempts in all, the first included: 1 is no retry.
     *
     * @return 1 to 10; {@value RetrySpec#DEFAULT_ATTEMPTS} unless set
     */
    int attempts() default RetrySpec.DEFAULT_ATTEMPTS;

    /**
     * Returns the outcomes that are retried.
     *
     * @return the outcomes; {@code UNPROCESSED} and {@code UNAVAILABLE} (503) unless set
     */
    RetryOn[] on() default {RetryOn.UNPROCESSED, RetryOn.UNAVAILABLE};

    /**
     * Returns the longest one attempt may take, in milliseconds; 0 leaves it to the call's timeout.
     *
     * @return {@code > 0}, or 0 (the default) for no per-attempt bound
     */
    long perAttemptTimeoutMillis() default 0;

    /**
     * Returns the backoff before the first retry, in milliseconds; it doubles for each retry after, with full
     * jitter. Unless set, the same as the client's {@code RetryConfig.ofDefaults()}.
     *
     * @return {@code > 0}; {@value RetrySpec#DEFAULT_BACKOFF_BASE_MILLIS} unless set
     */
    long backoffMillis() default RetrySpec.DEFAULT_BACKOFF_BASE_MILLIS;

    /**
     * Returns the longest backoff, in milliseconds. Unless set, the same as the client's
     * {@code RetryConfig.ofDefaults()}.
     *
     * @return at least {@link #backoffMillis()}; {@value RetrySpec#DEFAULT_BACKOFF_CAP_MILLIS} unless set
     */
    long maxBackoffMillis() default RetrySpec.DEFAULT_BACKOFF_CAP_MILLIS;

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
