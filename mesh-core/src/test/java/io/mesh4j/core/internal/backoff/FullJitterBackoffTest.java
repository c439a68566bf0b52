package io.mesh4j.core.internal.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class FullJitterBackoffTest {

    @Test
    void ceilingDoublesFromTheBaseUpToTheCap() {
        final FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(10), Duration.ofMillis(100));

        assertThat(backoff.ceilingMillis(1)).isEqualTo(10);
        assertThat(backoff.ceilingMillis(2)).isEqualTo(20);
        assertThat(backoff.ceilingMillis(4)).isEqualTo(80);
        assertThat(backoff.ceilingMillis(5)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(1000)).isEqualTo(100);
    }

    @Test
    void delayIsUniformBetweenZeroAndTheCeiling() {
        assertThat(FullJitterBackoff.of(Duration.ofMillis(10), Duration.ofSeconds(1), () -> 0.0)
                        .nextDelayMillis(3))
                .isZero();
        assertThat(FullJitterBackoff.of(Duration.ofMillis(10), Duration.ofSeconds(1), () -> 0.9999)
                        .nextDelayMillis(3))
                .isEqualTo(40);
        final FullJitterBackoff real = FullJitterBackoff.of(Duration.ofMillis(10), Duration.ofSeconds(1));
        for (int i = 0; i < 1000; i++) {
            assertThat(real.nextDelayMillis(2)).isBetween(0L, 20L);
        }
    }

    @Test
    void refusesACapBelowTheBase() {
        assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("cap: PT1S (expected: >= base PT2S)");
    }
}
