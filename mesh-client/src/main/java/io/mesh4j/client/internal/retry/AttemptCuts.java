package io.mesh4j.client.internal.retry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.netty.util.concurrent.ScheduledFuture;

/**
 * The adaptive per-attempt timeout's clock for one service's client: the attempts it may cut, in a list, and one
 * timer for all of them, armed for the earliest cut. An attempt is linked when it goes and unlinked when it ends,
 * under one uncontended lock; the timer fires about once per cut's length (250 ms at the least) while attempts are in
 * flight, rather than one event-loop timer scheduled and cancelled for every attempt of every idempotent call.
 *
 * <p>The cut itself runs on the attempt's own event loop, as the attempt's other ends do.
 */
final class AttemptCuts {

    /** The attempts in flight that may be cut, oldest first; guarded by this. */
    private RetriedCall.@Nullable Attempt head;

    private RetriedCall.@Nullable Attempt tail;
    /** The sweep armed, and when it runs; guarded by this. */
    private @Nullable ScheduledFuture<?> armed;

    private long armedAtNanos;
    /** Which arming is current: a sweep whose arming was replaced does nothing. */
    private long generation;

    /** Watches {@code attempt}, to be cut at its {@link RetriedCall.Attempt#cutAtNanos} unless it ends first. */
    void watch(RetriedCall.Attempt attempt) {
        synchronized (this) {
            attempt.prev = tail;
            attempt.next = null;
            if (tail != null) {
                tail.next = attempt;
            } else {
                head = attempt;
            }
            tail = attempt;
            attempt.watched = true;
            // The cut is nearly the same for every attempt, so a later attempt is cut after an earlier one and the
            // armed sweep serves it; only a cut that shrank (the service got faster) arms an earlier one.
            if (armed == null || attempt.cutAtNanos - armedAtNanos < 0) {
                arm(attempt, attempt.cutAtNanos);
            }
        }
    }

    /** Stops watching {@code attempt}: it ended, answered or cut. */
    void unwatch(RetriedCall.Attempt attempt) {
        synchronized (this) {
            if (!attempt.watched) {
                return;
            }
            attempt.watched = false;
            final RetriedCall.@Nullable Attempt prev = attempt.prev;
            final RetriedCall.@Nullable Attempt next = attempt.next;
            if (prev != null) {
                prev.next = next;
            } else {
                head = next;
            }
            if (next != null) {
                next.prev = prev;
            } else {
                tail = prev;
            }
            attempt.prev = null;
            attempt.next = null;
        }
    }

    /** Arms the one sweep for {@code atNanos}, on the event loop of {@code by}; guarded by this. */
    private void arm(RetriedCall.Attempt by, long atNanos) {
        final @Nullable ScheduledFuture<?> previous = armed;
        if (previous != null) {
            previous.cancel(false);
        }
        final long current = ++generation;
        armedAtNanos = atNanos;
        armed = by.ctx
                .eventLoop()
                .withoutContext()
                .schedule(() -> sweep(current), Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Cuts every attempt whose time is up, and arms the sweep again for the earliest of the others. */
    private void sweep(long armedGeneration) {
        final List<RetriedCall.Attempt> due = new ArrayList<>(2);
        synchronized (this) {
            if (armedGeneration != generation) {
                return;
            }
            armed = null;
            final long now = System.nanoTime();
            RetriedCall.@Nullable Attempt earliest = null;
            for (RetriedCall.@Nullable Attempt a = head; a != null; ) {
                final RetriedCall.@Nullable Attempt next = a.next;
                if (a.cutAtNanos - now <= 0) {
                    due.add(a);
                    unwatch(a);
                } else if (earliest == null || a.cutAtNanos - earliest.cutAtNanos < 0) {
                    earliest = a;
                }
                a = next;
            }
            if (earliest != null) {
                arm(earliest, earliest.cutAtNanos);
            }
        }
        for (RetriedCall.Attempt attempt : due) {
            attempt.ctx.eventLoop().withoutContext().execute(attempt::cut);
        }
    }
}
