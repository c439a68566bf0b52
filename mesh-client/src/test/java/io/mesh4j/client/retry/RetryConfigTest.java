package io.mesh4j.client.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryConfigTest {

    @Test
    void theBudgetTakesARatioAndRefusesAPercentageSayingSo() {
        final RetryConfig config =
                RetryConfig.builder().budget(0.25, 5, Duration.ofSeconds(10)).build();
        assertThat(config.budgetRatio()).isEqualTo(0.25);
        assertThat(config.toBuilder().build().budgetRatio()).isEqualTo(0.25);
        assertThat(RetryConfig.ofDefaults().budgetRatio()).isEqualTo(0.2);

        // 20 meant as 20%, as BreakerConfig.failureRateThreshold would take it.
        assertThatThrownBy(() -> RetryConfig.builder().budget(20, 5, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("budget ratio: 20.0")
                .hasMessageContaining("a fraction such as 0.2 for 20%");
        assertThatThrownBy(() -> RetryConfig.builder().budget(-0.1, 5, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a fraction such as 0.2 for 20%");
    }
}
