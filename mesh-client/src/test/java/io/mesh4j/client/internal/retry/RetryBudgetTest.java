package io.mesh4j.client.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.mesh4j.client.FakeTicker;
import io.mesh4j.client.retry.RetryConfig;

class RetryBudgetTest {

    private final FakeTicker ticker = new FakeTicker();

    private RetryBudget budget(double ratio, int minPerSecond) {
        return RetryBudget.of(
                RetryConfig.builder()
                        .budget(ratio, minPerSecond, Duration.ofSeconds(10))
                        .build(),
                ticker);
    }

    @Test
    void allowsRetriesAsAShareOfRequests() {
        final RetryBudget budget = budget(0.2, 0);
        for (int i = 0; i < 100; i++) {
            budget.deposit();
        }

        int retries = 0;
        while (budget.tryWithdraw()) {
            retries++;
        }
        assertThat(retries).isEqualTo(20);
    }

    @Test
    void keepsAReserveOfRetriesPerSecondForAQuietClient() {
        final RetryBudget budget = budget(0.2, 10);

        int retries = 0;
        while (budget.tryWithdraw()) {
            retries++;
        }
        // 10 per second over a 10 second window.
        assertThat(retries).isEqualTo(100);
    }

    @Test
    void depositsAndWithdrawalsExpireAfterTheWindow() {
        final RetryBudget budget = budget(0.5, 0);
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertThat(budget.balance()).isEqualTo(5);

        ticker.advance(Duration.ofSeconds(11));
        assertThat(budget.balance()).isZero();
        assertThat(budget.tryWithdraw()).isFalse();
    }

    @Test
    void aWithdrawalSpentNowIsPaidBackWhenItExpires() {
        final RetryBudget budget = budget(0.2, 1);
        assertThat(budget.balance()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            assertThat(budget.tryWithdraw()).isTrue();
        }
        assertThat(budget.tryWithdraw()).isFalse();

        ticker.advance(Duration.ofSeconds(11));
        assertThat(budget.balance()).isEqualTo(10);
    }

    @Test
    void readsItsValuesFromTheLiveConfigAndKeepsItsCountsWhenTheyChange() {
        final AtomicReference<RetryConfig> config = new AtomicReference<>(
                RetryConfig.builder().budget(0.5, 0, Duration.ofSeconds(10)).build());
        final RetryBudget budget = RetryBudget.of(config::get, ticker);
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertThat(budget.balance()).isEqualTo(5);

        // No share, a reserve of 1/s over 20 s: the 5 deposited stay, and deposits add nothing.
        config.set(RetryConfig.builder().budget(0, 1, Duration.ofSeconds(20)).build());
        budget.deposit();
        assertThat(budget.balance()).isEqualTo(25);

        config.set(RetryConfig.builder().budget(0, 0, Duration.ofSeconds(20)).build());
        int retries = 0;
        while (budget.tryWithdraw()) {
            retries++;
        }
        assertThat(retries).isEqualTo(5);
    }
}
