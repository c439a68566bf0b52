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
 * and the rest are cancelled. Give one of the two; hedges are paid from the retry budget. On a method of a
 * {@link ServiceClient} interface, or on the interface for every method without one of its own; hedging in the
 * registry's route config wins over it.
 *
 * <pre>{@code
 * @Get("/prices/{sku}")
 * @Hedge(delayMillis = 30)
 * CompletableFuture<Price> price(@Param("sku") String sku);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@PolicyAnnotation(Hedge.Factory.class)
public @interface Hedge {

    /**
     * Returns how long, in milliseconds, an attempt may go unanswered before the next is sent.
     *
     * @return {@code > 0}, or 0 (the default) to hedge by {@link #percentile()} instead
     */
    long delayMillis() default 0;

    /**
     * Returns the percentile of the recent calls' latency after which the next attempt is sent, such as 95 for
     * the 95th.
     *
     * @return strictly between 0 and 100, or 0 (the default) to hedge by {@link #delayMillis()} instead
     */
    double percentile() default 0;

    /**
     * Returns the attempts in flight at most, the first included.
     *
     * @return 2 (the default) to 5
     */
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
