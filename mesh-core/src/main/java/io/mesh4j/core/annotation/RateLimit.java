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
 * when {@link #perCaller()}); more are answered 429 with {@code Retry-After}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(RateLimit.Factory.class)
public @interface RateLimit {

    /** Requests per second. */
    double value();

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
