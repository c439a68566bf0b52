package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.mesh4j.core.routing.RouteRule;

/**
 * At most {@link #value()} requests to a served route in flight at once, in each instance; more are shed with
 * 503 at once rather than queued, so that the caller can try another instance while it still has time. On a
 * method of an annotated service, or on its class for every method without one of its own; a limit in the
 * registry's route config wins over it.
 *
 * <pre>{@code
 * @Post("/orders")
 * @ConcurrencyLimit(50)
 * public Order place(NewOrder order) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(ConcurrencyLimit.Factory.class)
public @interface ConcurrencyLimit {

    /**
     * Returns the most requests in flight at once, in each instance.
     *
     * @return at least 1
     */
    int value();

    /** Sets the rule's concurrency limit. */
    final class Factory implements RuleFactory<ConcurrencyLimit> {
        @Override
        public void apply(ConcurrencyLimit limit, RouteRule.Builder rule) {
            if (limit.value() < 1) {
                throw new IllegalArgumentException("@ConcurrencyLimit(" + limit.value() + ") (expected: > 0)");
            }
            rule.concurrencyLimit(limit.value());
        }
    }
}
