package io.mesh4j.core.deadline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DeadlineHeadersTest {

    @Test
    void grpcTimeoutsReadEveryUnitAndRefuseWhatIsMalformed() {
        assertThat(Deadline.parseGrpcHeader("250m")).isEqualTo(Duration.ofMillis(250));
        assertThat(Deadline.parseGrpcHeader("2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Deadline.parseGrpcHeader("1H")).isEqualTo(Duration.ofHours(1));
        assertThat(Deadline.parseGrpcHeader("3M")).isEqualTo(Duration.ofMinutes(3));
        assertThat(Deadline.parseGrpcHeader("7u")).isEqualTo(Duration.ofNanos(7000));
        assertThat(Deadline.parseGrpcHeader("9n")).isEqualTo(Duration.ofNanos(9));
        assertThat(Deadline.parseGrpcHeader("123456789m")).isNull();
        assertThat(Deadline.parseGrpcHeader("10x")).isNull();
        assertThat(Deadline.parseGrpcHeader("-1m")).isNull();
        assertThat(Deadline.parseGrpcHeader("m")).isNull();
    }

    @Test
    void grpcTimeoutsAreWrittenInTheFinestUnitThatFitsEightDigitsAndReadBack() {
        assertThat(Deadline.formatGrpcHeader(Duration.ofMillis(50))).isEqualTo("50000000n");
        assertThat(Deadline.formatGrpcHeader(Duration.ofMillis(250))).isEqualTo("250000u");
        assertThat(Deadline.formatGrpcHeader(Duration.ofMinutes(5))).isEqualTo("300000m");
        assertThat(Deadline.formatGrpcHeader(Duration.ofDays(3))).isEqualTo("259200S");
        assertThat(Deadline.formatGrpcHeader(Duration.ofMillis(-5))).isEqualTo("0n");
        for (Duration d : new Duration[] {Duration.ofMillis(1), Duration.ofSeconds(30), Duration.ofHours(2)}) {
            assertThat(Deadline.parseGrpcHeader(Deadline.formatGrpcHeader(d))).isEqualTo(d);
        }
    }

    @Test
    void theMeshHeaderIsWholeMilliseconds() {
        assertThat(Deadline.HEADER).isEqualTo("mesh-deadline");
        assertThat(Deadline.parseHeader("1500")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Deadline.parseHeader("1.5s")).isNull();
        assertThat(Deadline.formatHeader(Duration.ofMillis(-3))).isEqualTo("0");
    }
}
