package io.mesh4j.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A report's {@code lastKnownGood}: written only while the member runs from its last-known-good state, read back as
 * written, absent in an older member's report, and a clear 400 when malformed.
 */
class MetricsReportJsonTest {

    private static final Instant SINCE = Instant.parse("2026-12-07T02:40:00Z");

    @Test
    void aReportSaysTheLastKnownGoodStateItRunsFromAndAnOlderOneSaysNothing() {
        final MetricsReportJson.LastKnownGoodState state = new MetricsReportJson.LastKnownGoodState(SINCE, true);
        final byte[] written = MetricsReportJson.writeReport("r1", null, state, List.of());
        assertThat(new String(written, StandardCharsets.UTF_8))
                .contains("\"lastKnownGood\":{\"since\":\"2026-12-07T02:40:00Z\",\"stale\":true}");
        assertThat(MetricsReportJson.parse(written).lastKnownGood()).isEqualTo(state);

        final byte[] plain = MetricsReportJson.writeReport("r1", null, List.of());
        assertThat(new String(plain, StandardCharsets.UTF_8)).doesNotContain("lastKnownGood");
        assertThat(MetricsReportJson.parse(plain).lastKnownGood()).isNull();
    }

    @Test
    void aMalformedLastKnownGoodIsRefusedSayingWhatToSend() {
        assertThatThrownBy(
                        () -> MetricsReportJson.parse("{\"reporter\": \"r1\", \"lastKnownGood\": true, \"entries\": []}"
                                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("lastKnownGood: true (expected: {\"since\": \"2026-12-07T02:40:00Z\"");
    }
}
