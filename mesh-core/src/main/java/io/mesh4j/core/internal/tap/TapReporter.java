package io.mesh4j.core.internal.tap;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.TapJson;

/**
 * A member's link to the registry for tap: one long-poll watch of the taps open for its service (held at the
 * registry, so that learning of a tap costs no request of the member's own traffic), and a flush of the sampled
 * records every {@value #FLUSH_MILLIS} ms while there are any (the same tick starts the watch once the member has
 * its certificate, as the registry knows members by it). When the watch fails, the member stops sampling
 * until it has heard again: it never taps on a stale word. A post that fails drops its records and counts them.
 */
public final class TapReporter {

    private static final Logger logger = LoggerFactory.getLogger(TapReporter.class);

    /** How often sampled records go to the registry: often enough for a live view, rarely enough to batch. */
    static final long FLUSH_MILLIS = 250;

    /** How long one watch is held at the registry. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final ServiceName member;
    private final MemberTap tap;
    private final RegistryClient registry;
    private final ScheduledExecutorService scheduler;
    private final FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(200), Duration.ofSeconds(5));
    private final BooleanSupplier ready;
    private final ScheduledFuture<?> flush;
    // Guarded by this.
    private boolean watching;
    private @Nullable CompletableFuture<TapJson.Sessions> watch;
    private boolean closed;
    private long index;
    private int failures;

    private TapReporter(
            ServiceName member,
            MemberTap tap,
            RegistryClient registry,
            ScheduledExecutorService scheduler,
            BooleanSupplier ready) {
        this.member = member;
        this.ready = ready;
        this.tap = tap;
        this.registry = registry;
        this.scheduler = scheduler;
        flush = scheduler.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts watching the taps of {@code member}, once {@code ready} (the member has the certificate the registry
     * knows it by), and sending what {@code tap} samples; {@link #close} stops both.
     */
    public static TapReporter start(
            ServiceName member,
            MemberTap tap,
            RegistryClient registry,
            ScheduledExecutorService scheduler,
            BooleanSupplier ready) {
        final TapReporter reporter = new TapReporter(member, tap, registry, scheduler, ready);
        reporter.startWatching();
        return reporter;
    }

    private void startWatching() {
        synchronized (this) {
            if (watching || closed || !ready.getAsBoolean()) {
                return;
            }
            watching = true;
        }
        watch();
    }

    private synchronized void watch() {
        if (closed) {
            return;
        }
        final CompletableFuture<TapJson.Sessions> next = registry.watchTaps(member, index, WAIT);
        watch = next;
        next.whenComplete((sessions, cause) -> {
            if (cause == null) {
                synchronized (this) {
                    failures = 0;
                    index = sessions.index();
                }
                tap.open(sessions.taps());
                watch();
                return;
            }
            // Not sure what is open any more: stop sampling until the registry says again.
            tap.open(List.of());
            final long delay;
            final boolean first;
            synchronized (this) {
                if (closed) {
                    return;
                }
                index = 0;
                first = ++failures == 1;
                delay = backoff.nextDelayMillis(failures);
            }
            if (first) {
                logger.info(
                        "{}: cannot watch the taps open for it ({}); no tap sees it until it can, tried again "
                                + "with backoff",
                        member,
                        cause.toString());
            } else {
                logger.debug("{}: cannot watch the taps open for it; trying again in {} ms", member, delay, cause);
            }
            scheduler.schedule(this::watch, delay, TimeUnit.MILLISECONDS);
        });
    }

    /** Sends what was sampled since the last flush, in posts of at most {@link TapJson#MAX_RECORDS}. */
    void flush() {
        startWatching();
        try {
            List<TapRecord> records = tap.drain(TapJson.MAX_RECORDS);
            while (!records.isEmpty()) {
                final int count = records.size();
                registry.sendTapRecords(member, TapJson.writeRecords(records)).whenComplete((unused, cause) -> {
                    if (cause != null) {
                        tap.droppedAfterQueue(count);
                        logger.debug(
                                "{}: {} tapped records dropped: the registry did not take them", member, count, cause);
                    }
                });
                records = tap.drain(TapJson.MAX_RECORDS);
            }
        } catch (RuntimeException e) {
            logger.debug("{}: cannot send tapped records", member, e);
        }
    }

    /** Stops watching and sending; the member samples nothing more. */
    public void close() {
        final @Nullable CompletableFuture<TapJson.Sessions> watch;
        synchronized (this) {
            closed = true;
            watch = this.watch;
        }
        flush.cancel(false);
        tap.open(List.of());
        if (watch != null) {
            watch.cancel(false);
        }
    }
}
