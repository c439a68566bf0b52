package io.mesh4j.core.internal.state;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a member runs from its last-known-good state: from the first thing it restored from disk until the
 * registry first answers it. Said once in the log when it begins and once when it ends, and read by the health
 * checks in between. Once the registry has answered, a later restore (a service first called during a later
 * outage) no longer counts: the member runs from what it heard in this run, as any member does during an outage.
 */
public final class LastKnownGood {

    private static final Logger logger = LoggerFactory.getLogger(LastKnownGood.class);

    /** How old the state in force may grow before the health calls it stale, unless set. */
    public static final Duration DEFAULT_BUDGET = Duration.ofHours(1);

    private final String where;
    private final Clock clock;
    private volatile Duration budget = DEFAULT_BUDGET;

    // Guarded by this.
    private @Nullable Instant runningFrom;
    private boolean answered;

    LastKnownGood(String where, Clock clock) {
        this.where = where;
        this.clock = clock;
    }

    /**
     * Sets how old the state in force may grow before {@link #describe()} calls it stale. Traffic keeps flowing
     * either way: stale is for the operator to see, as the endpoints and policies it holds may have changed since.
     */
    public void budget(Duration budget) {
        requireNonNull(budget, "budget");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("state budget: " + budget + " (expected: > 0)");
        }
        this.budget = budget;
    }

    /** Notes that {@code what}, written at {@code savedAt}, was put in force from disk. */
    public synchronized void restored(String what, Instant savedAt) {
        if (answered) {
            logger.debug("{}: {} restored from the state of {}", where, what, savedAt);
            return;
        }
        if (runningFrom == null) {
            runningFrom = savedAt;
            logger.warn(
                    "{}: running from last-known-good state of {} ({}) until the registry answers",
                    where,
                    savedAt,
                    what);
        } else {
            if (savedAt.isAfter(runningFrom)) {
                runningFrom = savedAt;
            }
            logger.debug("{}: {} restored from the state of {}", where, what, savedAt);
        }
    }

    /** Notes that the registry answered: what it says is in force from now on. */
    public synchronized void answered() {
        if (answered) {
            return;
        }
        answered = true;
        if (runningFrom != null) {
            logger.info(
                    "{}: the registry answers again: no longer running from the last-known-good state of {}",
                    where,
                    runningFrom);
            runningFrom = null;
        }
    }

    /** The time of the last-known-good state in force; {@code null} once the registry answered, or none restored. */
    public synchronized @Nullable Instant runningFrom() {
        return runningFrom;
    }

    /**
     * Whether the last-known-good state in force is older than its budget; {@code false} when not running from one.
     */
    public boolean stale() {
        final @Nullable Instant from = runningFrom();
        return from != null && Duration.between(from, clock.instant()).compareTo(budget) > 0;
    }

    /**
     * {@code running from last-known-good state of <time>, 5m old}, with {@code : stale, older than its budget of 1h}
     * once it is; {@code null} when not running from it.
     */
    public @Nullable String describe() {
        final @Nullable Instant from = runningFrom();
        if (from == null) {
            return null;
        }
        final Duration age = Duration.between(from, clock.instant());
        final Duration shown = age.isNegative() ? Duration.ZERO : age;
        final String text = "running from last-known-good state of " + from + ", " + words(shown) + " old";
        final Duration budget = this.budget;
        return shown.compareTo(budget) > 0 ? text + ": stale, older than its budget of " + words(budget) : text;
    }

    /** {@code 2h13m5s}, {@code 40s}: a duration as people write it. */
    private static String words(Duration duration) {
        final Duration seconds = duration.truncatedTo(ChronoUnit.SECONDS);
        return seconds.isZero() ? "0s" : seconds.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        final @Nullable String description = describe();
        return description != null ? description : "running from the registry's answers";
    }
}
