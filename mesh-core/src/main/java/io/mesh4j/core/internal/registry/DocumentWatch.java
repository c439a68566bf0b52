package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.internal.backoff.FullJitterBackoff;

/**
 * Keeps one document of the registry (a service's access policy, a service's route config) current with a
 * long-poll watch: every change reaches {@code onChange} within a round trip. While the registry is away, what
 * was last received stays in force (fail static), said once in the log, and the watch keeps trying with backoff.
 *
 * @param <T> the snapshot the registry answers: a document and the index of its last change
 */
public final class DocumentWatch<T> implements SafeCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DocumentWatch.class);

    /** Reads the document: at once when {@code index} is negative, else once it differs or after a wait. */
    @FunctionalInterface
    public interface Fetch<T> {
        CompletableFuture<T> fetch(long index);
    }

    private final String what;
    private final Fetch<T> fetch;
    private final ToLongFunction<T> indexOf;
    private final Consumer<T> onChange;
    private final ScheduledExecutorService scheduler;
    private final FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(100), Duration.ofSeconds(5));
    private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();

    // Guarded by this. -1 until the first answer: the first call reads at once rather than waits for a change.
    private long index = -1;
    private int consecutiveFailures;
    private boolean started;
    private boolean closed;
    private @Nullable CompletableFuture<T> pending;
    private @Nullable ScheduledFuture<?> retry;

    /**
     * @param what     what is watched, for the log, such as {@code "the route config of orders"}
     * @param onChange called with every snapshot whose index differs from the last one, the first included
     */
    public DocumentWatch(
            String what,
            Fetch<T> fetch,
            ToLongFunction<T> indexOf,
            Consumer<T> onChange,
            ScheduledExecutorService scheduler) {
        this.what = requireNonNull(what, "what");
        this.fetch = requireNonNull(fetch, "fetch");
        this.indexOf = requireNonNull(indexOf, "indexOf");
        this.onChange = requireNonNull(onChange, "onChange");
        this.scheduler = requireNonNull(scheduler, "scheduler");
    }

    /**
     * Starts watching, once; calling it again returns the same future. The future completes when the registry
     * has answered once (the document is known) or failed to (what was in force stays until it answers).
     */
    public synchronized CompletableFuture<Void> start() {
        if (!started) {
            started = true;
            watchNext();
        }
        return firstAnswer;
    }

    private synchronized void watchNext() {
        if (closed) {
            return;
        }
        CompletableFuture<T> watch;
        try {
            watch = fetch.fetch(index);
        } catch (RuntimeException e) {
            // A client that cannot even send (closed, misconfigured) is one more failure to back off from.
            watch = CompletableFuture.failedFuture(e);
        }
        pending = watch;
        watch.whenComplete(this::onAnswer);
    }

    private synchronized void onAnswer(@Nullable T snapshot, @Nullable Throwable cause) {
        pending = null;
        if (closed) {
            return;
        }
        if (snapshot == null) {
            consecutiveFailures++;
            if (consecutiveFailures == 1) {
                logger.warn(
                        "cannot watch {} ({}); keeping what is in force and retrying",
                        what,
                        cause != null ? Exceptions.peel(cause).toString() : "no answer");
            }
            retry = scheduler.schedule(
                    this::watchNext, backoff.nextDelayMillis(consecutiveFailures), TimeUnit.MILLISECONDS);
            firstAnswer.complete(null);
            return;
        }
        if (consecutiveFailures > 0) {
            logger.info("watching {} again after {} failed attempts", what, consecutiveFailures);
        }
        consecutiveFailures = 0;
        final long answered = indexOf.applyAsLong(snapshot);
        if (answered != index) {
            index = answered;
            try {
                onChange.accept(snapshot);
            } catch (RuntimeException e) {
                logger.warn("{}: could not apply index {}", what, answered, e);
            }
        }
        firstAnswer.complete(null);
        watchNext();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
        }
        if (pending != null) {
            pending.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "DocumentWatch(" + what + ')';
    }
}
