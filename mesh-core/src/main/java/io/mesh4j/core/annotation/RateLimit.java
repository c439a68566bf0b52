package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteRule;

/**
 * At most {@link #value()} requests per second to a served route, in each instance (for each calling service
 * when {@link #perCaller()}); more are answered 429 with {@code Retry-After}. On a method of an annotated
 * service, or on its class for every method without one of its own; a rate limit in the registry's route config
 * wins over it.
 *
 * <pre>{@code
 * @Get("/search")
 * @RateLimit(value = 20, perCaller = true)
 * public Results search(@Param String q) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(RateLimit.Factory.class)
public @interface RateLimit {

    /**
     * Returns the most requests per second.
     *
     * @return {@code > 0} and at most 1,000,000; fractions such as 0.5 are allowed
     */
    double value();

    /**
     * Returns whether each calling service has a limit of its own.
     *
     * @return {@code true} for one limit per caller; {@code false} (the default) for one shared by all
     */
    boolean perCaller() default false;

    /** Sets the rule's rate limit. */
    final class Factory implements RuleFactory<RateLimit> {
        @Override
        public void apply(RateLimit limit, RouteRule.Builder rule) {
            try {
                rule.rateLimit(new RateLimitSpec(limit.value(), limit.perCaller()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "@RateLimit(" + limit.value() + ") (expected: > 0 requests per " + "second, at most 1000000)",
                        e);
            }
        }
    }
}
