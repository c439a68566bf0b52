package io.mesh4j.core.internal.state;

import java.time.Instant;

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

    private final String where;

    // Guarded by this.
    private @Nullable Instant runningFrom;
    private boolean answered;

    LastKnownGood(String where) {
        this.where = where;
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

    /** {@code running from last-known-good state of <time>}, or {@code null} when not. */
    public @Nullable String describe() {
        final @Nullable Instant from = runningFrom();
        return from == null ? null : "running from last-known-good state of " + from;
    }

    @Override
    public String toString() {
        final @Nullable String description = describe();
        return description != null ? description : "running from the registry's answers";
    }
}
