package io.mesh4j.core.routing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Injected faults, to test how callers cope: delay {@code delayPercent}% of requests by {@code delay}, and abort
 * {@code abortPercent}% with {@code abortStatus}.
 */
public record FaultSpec(double delayPercent, @Nullable Duration delay, double abortPercent, int abortStatus) {

    public FaultSpec {
        checkPercent("fault.delay.percent", delayPercent);
        checkPercent("fault.abort.percent", abortPercent);
        if (delayPercent > 0 && (delay == null || delay.isNegative() || delay.isZero())) {
            throw new IllegalArgumentException("fault.delay.duration: missing or not > 0 (expected: such as 100ms)");
        }
        if (abortPercent > 0 && (abortStatus < 400 || abortStatus > 599)) {
            throw new IllegalArgumentException("fault.abort.status: " + abortStatus + " (expected: 400..599)");
        }
    }

    static void checkPercent(String field, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException(field + ": " + percent + " (expected: 0..100)");
        }
    }
}
