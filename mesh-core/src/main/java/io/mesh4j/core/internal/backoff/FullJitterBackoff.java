package io.mesh4j.core.internal.backoff;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import com.linecorp.armeria.client.retry.Backoff;

/**
 * Exponential backoff with full jitter: before attempt {@code n + 1}, wait a uniformly random time between
 * zero and {@code min(cap, base * 2^(n - 1))}.
 *
 * <p>Full jitter, rather than a delay plus or minus a little, is what spreads out many clients that failed
 * at the same moment (a registry restart, an instance dying under load), so that their retries do not arrive
 * together again; see "Exponential Backoff And Jitter" on the AWS Architecture Blog.
 */
public final class FullJitterBackoff implements Backoff {

    private final long baseMillis;
    private final long capMillis;
    private final DoubleSupplier random;

    private FullJitterBackoff(long baseMillis, long capMillis, DoubleSupplier random) {
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
        this.random = random;
    }

    public static FullJitterBackoff of(Duration base, Duration cap) {
        return of(base, cap, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * As {@link #of(Duration, Duration)}, with the random source in {@code [0, 1)} given, for tests.
     */
    public static FullJitterBackoff of(Duration base, Duration cap, DoubleSupplier random) {
        requireNonNull(base, "base");
        requireNonNull(cap, "cap");
        requireNonNull(random, "random");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base: " + base + " (expected: > 0)");
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap: " + cap + " (expected: >= base " + base + ')');
        }
        return new FullJitterBackoff(base.toMillis(), cap.toMillis(), random);
    }

    /**
     * The ceiling of the delay after {@code numAttemptsSoFar} attempts, before jitter.
     */
    public long ceilingMillis(int numAttemptsSoFar) {
        final int doublings = Math.max(0, Math.min(numAttemptsSoFar - 1, 30));
        final long ceiling = baseMillis << doublings;
        return ceiling <= 0 || ceiling > capMillis ? capMillis : ceiling;
    }

    @Override
    public long nextDelayMillis(int numAttemptsSoFar) {
        if (numAttemptsSoFar < 1) {
            throw new IllegalArgumentException("numAttemptsSoFar: " + numAttemptsSoFar + " (expected: > 0)");
        }
        return (long) (random.getAsDouble() * (ceilingMillis(numAttemptsSoFar) + 1));
    }

    /**
     * The delay after {@code numAttemptsSoFar} attempts, as a duration.
     */
    public Duration nextDelay(int numAttemptsSoFar) {
        return Duration.ofMillis(nextDelayMillis(numAttemptsSoFar));
    }

    @Override
    public String toString() {
        return "FullJitterBackoff(base=" + baseMillis + "ms, cap=" + capMillis + "ms)";
    }
}
