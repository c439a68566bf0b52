package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;

import io.mesh4j.core.routing.HedgeSpec;
import io.mesh4j.core.routing.RouteRule;

/**
 * Hedges a typed client's method: when the first attempt has not answered after {@link #delayMillis()} (or
 * after the method's {@link #percentile()} latency), another goes to another endpoint; the first answer wins
 * and the rest are cancelled. Give one of the two; hedges are paid from the retry budget.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Hedge.Factory.class)
public @interface Hedge {

    long delayMillis() default 0;

    /** Such as 95 for the 95th percentile of the recent calls' latency. */
    double percentile() default 0;

    /** Attempts in flight at most, the first included. */
    int maxAttempts() default 2;

    /** Sets the rule's hedging. */
    final class Factory implements RuleFactory<Hedge> {
        @Override
        public void apply(Hedge hedge, RouteRule.Builder rule) {
            if (hedge.delayMillis() < 0) {
                throw new IllegalArgumentException("@Hedge(delayMillis = " + hedge.delayMillis() + ") (expected: > 0)");
            }
            rule.hedge(new HedgeSpec(
                    hedge.delayMillis() > 0 ? Duration.ofMillis(hedge.delayMillis()) : null,
                    hedge.percentile() != 0 ? hedge.percentile() : null,
                    hedge.maxAttempts()));
        }
    }
}
