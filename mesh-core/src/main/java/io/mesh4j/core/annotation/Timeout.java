package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.mesh4j.core.routing.RouteRule;

/**
 * The longest a call may take: on a typed client's method, the whole call with its retries; on a served route,
 * the handler's work. The caller's deadline still applies when it is shorter. On a method, or on its class or
 * interface for every method without one of its own; a timeout in the registry's route config wins over it.
 *
 * <pre>{@code
 * @Get("/orders/{id}")
 * @Timeout(value = 2, unit = TimeUnit.SECONDS)
 * CompletableFuture<Order> order(@Param("id") String id);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Timeout.Factory.class)
public @interface Timeout {

    /**
     * Returns the timeout, in {@link #unit()}.
     *
     * @return {@code > 0}
     */
    long value();

    /**
     * Returns the unit of {@link #value()}.
     *
     * @return the unit; milliseconds unless set
     */
    TimeUnit unit() default TimeUnit.MILLISECONDS;

    /** Sets the rule's timeout. */
    final class Factory implements RuleFactory<Timeout> {
        @Override
        public void apply(Timeout timeout, RouteRule.Builder rule) {
            if (timeout.value() <= 0) {
                throw new IllegalArgumentException("@Timeout(" + timeout.value() + ") (expected: > 0)");
            }
            rule.timeout(Duration.ofNanos(timeout.unit().toNanos(timeout.value())));
        }
    }
}
