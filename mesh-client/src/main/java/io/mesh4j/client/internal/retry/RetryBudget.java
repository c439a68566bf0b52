package io.mesh4j.client.internal.retry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.stack.StackParams;

/**
 * Keeps retries to a share of requests, as Finagle's {@code RetryBudget} does: every request deposits
 * {@code percent} of a retry, every retry withdraws one, and a reserve of {@code minPerSecond * ttl} retries is
 * always there so that a client sending little can still retry. Deposits and withdrawals count for
 * {@code ttl}, then expire.
 *
 * <p>Without a budget, a service that fails every request receives {@code maxAttempts} times its normal load
 * from each caller just when it can least take it; with one, it receives at most {@code 1 + percent} times.
 */
public final class RetryBudget {

    /**
     * The stack parameter through which RETRY and HEDGE find their service's budget: one per service client, so
     * that hedges and retries are paid from the same account. A budget of its own per layer unless set.
     */
    public static final StackParams.Key<RetryBudget> KEY =
            StackParams.Key.of("retryBudget", () -> of(RetryConfig.ofDefaults(), Ticker.systemTicker()));

    /** Tokens per retry: integer arithmetic with a resolution of a thousandth of a retry. */
    private static final long SCALE = 1000;

    /** How long after a refused retry the budget counts as {@link #refusedLately() spent}. */
    private static final long LATELY_NANOS = Duration.ofSeconds(1).toNanos();

    private final long depositTokens;
    private final long reserveTokens;
    private final WindowedSum window;
    private final Ticker ticker;
    /** When a retry was last refused; long before the budget was made until one is. */
    private volatile long lastRefusalNanos;

    private RetryBudget(double percent, int minPerSecond, Duration ttl, Ticker ticker) {
        depositTokens = Math.round(percent * SCALE);
        reserveTokens = minPerSecond * ttl.toSeconds() * SCALE;
        window = new WindowedSum(ttl, ticker);
        this.ticker = ticker;
        lastRefusalNanos = ticker.read() - 2 * LATELY_NANOS;
    }

    public static RetryBudget of(RetryConfig config, Ticker ticker) {
        requireNonNull(config, "config");
        requireNonNull(ticker, "ticker");
        return new RetryBudget(config.budgetRatio(), config.budgetMinPerSecond(), config.budgetTtl(), ticker);
    }

    /**
     * Called once for every request, before its first attempt.
     */
    public void deposit() {
        window.add(depositTokens);
    }

    /**
     * Called before every retry; says whether the retry may go ahead, and if so counts it.
     */
    public boolean tryWithdraw() {
        if (window.tryTake(SCALE, reserveTokens)) {
            return true;
        }
        lastRefusalNanos = ticker.read();
        return false;
    }

    /**
     * Whether a retry was refused in the last second: then a retry is unlikely to be allowed now either. Read
     * without the budget's lock, for the request path.
     */
    public boolean refusedLately() {
        return ticker.read() - lastRefusalNanos < LATELY_NANOS;
    }

    /**
     * How many retries the budget allows now.
     */
    public long balance() {
        return (reserveTokens + window.sum()) / SCALE;
    }

    @Override
    public String toString() {
        return "RetryBudget(balance=" + balance() + ')';
    }
}
