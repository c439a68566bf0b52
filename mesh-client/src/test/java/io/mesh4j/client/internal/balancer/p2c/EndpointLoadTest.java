package io.mesh4j.client.internal.balancer.p2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class EndpointLoadTest {

    private static final long MS = 1_000_000L;
    private static final long DECAY = Duration.ofSeconds(10).toNanos();

    @Test
    void aSlowAnswerRaisesTheCostAtOnce() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 1 * MS);

        load.observe(100 * MS, 2 * MS);

        assertThat(load.costNanos(2 * MS)).isCloseTo(100.0 * MS, within(1.0 * MS));
    }

    @Test
    void aFastAnswerLowersTheCostGradually() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(100 * MS, 0);

        load.observe(10 * MS, 100 * MS);

        final double cost = load.costNanos(100 * MS);
        assertThat(cost).isLessThan(100.0 * MS).isGreaterThan(90.0 * MS);
    }

    @Test
    void anIdleEndpointsCostDecaysSoThatItIsTriedAgain() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(100 * MS, 0);

        assertThat(load.costNanos(Duration.ofSeconds(40).toNanos())).isLessThan(5.0 * MS);
    }

    @Test
    void loadGrowsWithRequestsInFlight() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(10 * MS, 0);
        final double idle = load.load(0);

        load.start();
        load.start();

        assertThat(load.load(0)).isCloseTo(idle * 3, within(1.0));
    }

    @Test
    void anUnknownEndpointTakesOneRequestAtATimeUntilItHasACost() {
        final EndpointLoad unknown = new EndpointLoad(DECAY, 0);
        assertThat(unknown.load(0)).isZero();

        unknown.start();

        assertThat(unknown.load(0)).isGreaterThan(EndpointLoad.PENALTY - 1);
        unknown.end(3 * MS, 3 * MS);
        assertThat(unknown.load(3 * MS)).isCloseTo(3.0 * MS, within(1.0 * MS));
    }

    @Test
    void aTimeoutCostsTheSameBoundedPenaltyAsAFastFailureAndNoLatency() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 0);
        load.start();

        // Waited 10 s for nothing.
        final long now = Duration.ofSeconds(10).toNanos();
        load.fail(now);

        assertThat(load.penaltyNanos(now)).isEqualTo(EndpointLoad.FAILURE_PENALTY_NANOS);
        assertThat(load.costNanos(now)).as("latency").isLessThan(5.0 * MS);
        assertThat(load.inFlight()).isZero();
    }

    @Test
    void theFailurePenaltyFadesWithinSecondsSoThatTheEndpointIsTriedAgain() {
        final EndpointLoad failed = new EndpointLoad(DECAY, 0);
        final EndpointLoad healthy = new EndpointLoad(DECAY, 0);
        failed.observe(5 * MS, 0);
        healthy.observe(5 * MS, 0);
        for (int i = 0; i < 5; i++) {
            failed.start();
            failed.fail(Duration.ofSeconds(10).toNanos());
        }
        final long after = Duration.ofSeconds(10).toNanos();
        healthy.observe(5 * MS, after);

        assertThat(failed.load(after + Duration.ofMillis(500).toNanos())).isGreaterThan(healthy.load(after));
        final long later = after + Duration.ofMillis(3500).toNanos();
        assertThat(failed.load(later)).isLessThan(healthy.load(later));
    }

    @Test
    void anAnswerClearsTheFailurePenalty() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.start();
        load.fail(MS);

        load.start();
        load.end(4 * MS, 5 * MS);

        assertThat(load.penaltyNanos(5 * MS)).isZero();
        assertThat(load.load(5 * MS)).isCloseTo(4.0 * MS, within(1.0 * MS));
    }

    @Test
    void againstAnEndpointOfAnotherWeightRequestsInFlightCountDividedByTheRelativeWeightAndTheLatencyWhole() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(10 * MS, 0);
        load.start();
        load.start();

        // Twice the weight: two in flight weigh as one does on an endpoint of the other weight.
        assertThat(load.load(0, 2)).isCloseTo(10.0 * MS * 2, within(1.0));
        assertThat(load.load(0, 1)).isEqualTo(load.load(0));
        load.end(10 * MS, 0);
        load.end(10 * MS, 0);
        assertThat(load.load(0, 2)).as("idle: the latency alone").isCloseTo(10.0 * MS, within(1.0));
    }

    @Test
    void aJumpThatTheNextAttemptAnswersFastIsUndoneAndTheCostStartsOverFromThatAnswer() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 5 * MS);
        // A late answer, after a 9 s stall.
        final long resumed = Duration.ofSeconds(10).toNanos();
        load.observe(Duration.ofSeconds(9).toNanos(), resumed);
        assertThat(load.costNanos(resumed)).as("believed at once").isGreaterThan(8000.0 * MS);

        // An attempt sent after it is answered in 5 ms.
        load.observe(5 * MS, resumed + 105 * MS);

        assertThat(load.costNanos(resumed + 105 * MS)).isCloseTo(5.0 * MS, within(0.1 * MS));
    }

    @Test
    void aLateAnswerOfAFewTimesTheCostIsAJumpTooAndIsProbedAndUndone() {
        // 3.5 times: enough to get no pick while a few calls are in flight elsewhere, and below the old ratio of 4,
        // under which the cost only decayed, for over 10 s.
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(20 * MS, 20 * MS);
        final long late = Duration.ofSeconds(1).toNanos();
        load.observe(70 * MS, late);

        assertThat(load.tryProbe(late + Duration.ofSeconds(1).toNanos())).isTrue();
        load.observe(20 * MS, late + Duration.ofMillis(1020).toNanos());
        assertThat(load.costNanos(late + Duration.ofMillis(1020).toNanos())).isCloseTo(20.0 * MS, within(0.1 * MS));
    }

    @Test
    void aJumpThatTheNextAttemptConfirmsStaysAsPeakEwmaHasIt() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 5 * MS);
        load.observe(200 * MS, 300 * MS);

        // Sent after the jump, and about as slow: the endpoint is slow.
        load.observe(150 * MS, 500 * MS);
        // And from then on a fast answer lowers the cost only gradually, as before.
        load.observe(5 * MS, 600 * MS);

        assertThat(load.costNanos(600 * MS)).isGreaterThan(140.0 * MS);
        assertThat(load.tryProbe(Duration.ofSeconds(5).toNanos()))
                .as("probed once confirmed")
                .isFalse();
    }

    @Test
    void theOtherLateAnswersOfTheSameStallDecideNothing() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 5 * MS);
        final long resumed = Duration.ofSeconds(10).toNanos();
        load.observe(Duration.ofSeconds(9).toNanos(), resumed);

        // Sent during the stall, answered as it ended: fast only because it was sent late in it.
        load.observe(10 * MS, resumed);
        assertThat(load.costNanos(resumed)).isGreaterThan(8000.0 * MS);

        // Sent after: it decides.
        load.observe(5 * MS, resumed + 50 * MS);
        assertThat(load.costNanos(resumed + 50 * MS)).isCloseTo(5.0 * MS, within(0.1 * MS));
    }

    @Test
    void anEndpointWhoseCostJumpedIsProbedOnceASecondWhileNothingIsInFlightThereAndItDoesNotFail() {
        final EndpointLoad load = new EndpointLoad(DECAY, 0);
        load.observe(5 * MS, 5 * MS);
        assertThat(load.tryProbe(Duration.ofSeconds(2).toNanos()))
                .as("no jump, no probe")
                .isFalse();
        final long jump = Duration.ofSeconds(2).toNanos();
        load.observe(Duration.ofSeconds(1).toNanos(), jump);

        assertThat(load.tryProbe(jump + 500 * MS)).as("too soon").isFalse();
        assertThat(load.tryProbe(jump + 1000 * MS)).isTrue();
        assertThat(load.tryProbe(jump + 1500 * MS))
                .as("a second after the last probe")
                .isFalse();

        load.start();
        assertThat(load.tryProbe(jump + 2500 * MS))
                .as("while the probe is in flight")
                .isFalse();
        load.fail(jump + 3000 * MS);
        assertThat(load.tryProbe(jump + 3500 * MS))
                .as("while its failure's penalty lasts")
                .isFalse();
        assertThat(load.tryProbe(jump + 6000 * MS))
                .as("once the penalty has faded")
                .isTrue();
    }
}
