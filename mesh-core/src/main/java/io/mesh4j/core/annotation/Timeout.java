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
 * the handler's work. The caller's deadline still applies when it is shorter.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Timeout.Factory.class)
public @interface Timeout {

    long value();

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
