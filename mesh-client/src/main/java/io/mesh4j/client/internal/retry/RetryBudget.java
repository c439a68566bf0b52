package io.mesh4j.client.internal.retry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.stack.StackParams;

/**
 * Keeps retries to a share of requests, as Finagle's {@code RetryBudget} does: every request deposits
 * {@code ratio} of a retry, every retry withdraws one, and a reserve of {@code minPerSecond * ttl} retries is
 * always there so that a client sending little can still retry. Deposits and withdrawals count for
 * {@code ttl}, then expire.
 *
 * <p>The ratio, the reserve and the ttl are read from the service's live {@link RetryConfig} at every deposit and
 * withdrawal, so that a policy replaced at runtime governs the next request; the counts are kept across a change.
 * A new ttl moves the balance into a window of the new length, once.
 *
 * <p>Without a budget, a service that fails every request receives {@code maxAttempts} times its normal load
 * from each caller just when it can least take it; with one, it receives at most {@code 1 + ratio} times.
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

    private final Supplier<RetryConfig> config;
    private final Ticker ticker;
    /** Replaced, keeping its sum, only when the config's ttl changes. */
    private volatile WindowedSum window;
    /** When a retry was last refused; long before the budget was made until one is. */
    private volatile long lastRefusalNanos;

    private RetryBudget(Supplier<RetryConfig> config, Ticker ticker) {
        this.config = config;
        this.ticker = ticker;
        window = new WindowedSum(config.get().budgetTtl(), ticker);
        lastRefusalNanos = ticker.read() - 2 * LATELY_NANOS;
    }

    /**
     * A budget with fixed values.
     */
    public static RetryBudget of(RetryConfig config, Ticker ticker) {
        requireNonNull(config, "config");
        return of(() -> config, ticker);
    }

    /**
     * A budget that reads its values from {@code config} at every deposit and withdrawal, such as
     * {@code () -> policies.policyFor(service).retry()}; {@code config} must not allocate or lock.
     */
    public static RetryBudget of(Supplier<RetryConfig> config, Ticker ticker) {
        requireNonNull(config, "config");
        requireNonNull(ticker, "ticker");
        return new RetryBudget(config, ticker);
    }

    /**
     * Called once for every request, before its first attempt.
     */
    public void deposit() {
        final RetryConfig c = config.get();
        window(c).add(Math.round(c.budgetRatio() * SCALE));
    }

    /**
     * Called before every retry; says whether the retry may go ahead, and if so counts it.
     */
    public boolean tryWithdraw() {
        final RetryConfig c = config.get();
        if (window(c).tryTake(SCALE, reserveTokens(c))) {
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
        final RetryConfig c = config.get();
        return (reserveTokens(c) + window(c).sum()) / SCALE;
    }

    private static long reserveTokens(RetryConfig c) {
        return c.budgetMinPerSecond() * c.budgetTtl().toSeconds() * SCALE;
    }

    /** The window of {@code c}'s ttl: the current one, or once after a change of ttl, a new one with its sum. */
    private WindowedSum window(RetryConfig c) {
        final WindowedSum current = window;
        if (current.window().equals(c.budgetTtl())) {
            return current;
        }
        synchronized (this) {
            if (!window.window().equals(c.budgetTtl())) {
                final WindowedSum resized = new WindowedSum(c.budgetTtl(), ticker);
                resized.add(window.sum());
                window = resized;
            }
            return window;
        }
    }

    @Override
    public String toString() {
        return "RetryBudget(balance=" + balance() + ')';
    }
}
