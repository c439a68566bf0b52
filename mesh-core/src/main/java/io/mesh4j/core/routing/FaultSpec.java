package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/**
 * Injected faults, to test how callers cope: delay {@code delayPercent}% of requests by {@code delay}, and abort
 * {@code abortPercent}% with {@code abortStatus}.
 */
public record FaultSpec(double delayPercent, @Nullable Duration delay, double abortPercent, int abortStatus) {

    /**
     * Set by the mesh client's FAULTS layer on a request whose faults it has judged, so that the server's FAULTS
     * layer does not judge it a second time: faults apply once per call, at the caller when it is meshed (as
     * Istio's do at the caller's proxy), else at the server.
     */
    public static final String JUDGED_HEADER = "mesh-faults-judged";

    /** What an injected fault does to one request: a delay (zero for none), and an abort status (0 for none). */
    public record Decision(Duration delay, int abortStatus) {
        public static final Decision NONE = new Decision(Duration.ZERO, 0);

        public boolean isNone() {
            return delay.isZero() && abortStatus == 0;
        }
    }

    /** Draws, independently, whether this request is delayed and whether it is aborted (after the delay). */
    public Decision decide(RandomGenerator random) {
        final boolean delayed = delayPercent > 0 && random.nextDouble() * 100 < delayPercent;
        final boolean aborted = abortPercent > 0 && random.nextDouble() * 100 < abortPercent;
        if (!delayed && !aborted) {
            return Decision.NONE;
        }
        return new Decision(delayed ? requireNonNull(delay, "delay") : Duration.ZERO, aborted ? abortStatus : 0);
    }

    public FaultSpec {
        // One form per meaning: a fault that never aborts has no abort status, one that never delays no delay.
        if (abortPercent == 0) {
            abortStatus = 0;
        }
        if (delayPercent == 0) {
            delay = null;
        }
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
