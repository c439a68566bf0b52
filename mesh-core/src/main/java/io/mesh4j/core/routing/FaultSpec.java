package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/**
 * Injected faults, to test how callers cope: delay {@code delayPercent}% of requests by {@code delay}, and abort
 * {@code abortPercent}% with {@code abortStatus}. The two are drawn independently; a request both delayed and
 * aborted is aborted after the delay.
 *
 * <pre>{@code
 * new FaultSpec(10, Duration.ofMillis(200), 5, 503)   // 10% delayed by 200 ms, 5% answered 503
 * }</pre>
 *
 * @param delayPercent the share of requests delayed, 0 to 100; 0 for none
 * @param delay how long a delayed request waits, {@code > 0}; {@code null} when {@code delayPercent} is 0 (and
 *     made {@code null} then)
 * @param abortPercent the share of requests aborted, 0 to 100; 0 for none
 * @param abortStatus the HTTP status an aborted request is answered with, 400 to 599; made 0 when
 *     {@code abortPercent} is 0
 */
public record FaultSpec(double delayPercent, @Nullable Duration delay, double abortPercent, int abortStatus) {

    /**
     * Set by the mesh client's FAULTS layer on a request whose faults it has judged, so that the server's FAULTS
     * layer does not judge it a second time: faults apply once per call, at the caller when it is meshed (as
     * Istio's do at the caller's proxy), else at the server.
     */
    public static final String JUDGED_HEADER = "mesh-faults-judged";

    /**
     * What an injected fault does to one request: a delay (zero for none), and an abort status (0 for none).
     *
     * @param delay how long the request waits first; {@link Duration#ZERO} for no delay
     * @param abortStatus the HTTP status it is answered with after the delay; 0 when it is not aborted
     */
    public record Decision(Duration delay, int abortStatus) {
        /** Neither delayed nor aborted. */
        public static final Decision NONE = new Decision(Duration.ZERO, 0);

        /**
         * Returns whether the request is left alone.
         *
         * @return {@code true} if neither delayed nor aborted
         */
        public boolean isNone() {
            return delay.isZero() && abortStatus == 0;
        }
    }

    /**
     * Draws, independently, whether this request is delayed and whether it is aborted (after the delay).
     *
     * @param random the source of the draws
     * @return what happens to the request; {@link Decision#NONE} when nothing does
     */
    public Decision decide(RandomGenerator random) {
        final boolean delayed = delayPercent > 0 && random.nextDouble() * 100 < delayPercent;
        final boolean aborted = abortPercent > 0 && random.nextDouble() * 100 < abortPercent;
        if (!delayed && !aborted) {
            return Decision.NONE;
        }
        return new Decision(delayed ? requireNonNull(delay, "delay") : Duration.ZERO, aborted ? abortStatus : 0);
    }

    /**
     * Checks the components, and drops the delay of a fault that never delays and the status of one that never
     * aborts, so that equal faults are equal records.
     *
     * @param delayPercent see {@link #delayPercent()}
     * @param delay see {@link #delay()}
     * @param abortPercent see {@link #abortPercent()}
     * @param abortStatus see {@link #abortStatus()}
     * @throws IllegalArgumentException if a percentage is out of 0 to 100, a delay that applies is missing or not
     *     {@code > 0}, or an abort status that applies is out of 400 to 599
     */
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
