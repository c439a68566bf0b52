package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.internal.backoff.FullJitterBackoff;

/**
 * The registry replicas a {@link RegistryClient} may talk to, and which one it talks to now. A call goes to the
 * current replica; when that one cannot be reached, answers 5xx (503 included: its etcd is away), or answers a
 * read flagged {@code X-Mesh-Stale}, the call is sent to the next replica after a full-jitter backoff, each
 * replica at most once per call. The replica that answered becomes the current one, so calls stick to a working
 * replica instead of going round. A stale answer is kept and returned when no replica has a fresh one: while all of
 * etcd is away, stale is the best there is.
 *
 * <p>Every replica over one etcd serves the same indexes (etcd revisions), so a watch that fails over is sent
 * again with the index it had: it resumes where it was on the next replica, and no watcher asks for everything
 * again.
 */
final class RegistryAddresses {

    private static final Logger logger = LoggerFactory.getLogger(RegistryAddresses.class);

    /** The header a replica that cannot reach its store sets on what it answers from memory. */
    static final String STALE_HEADER = "X-Mesh-Stale";

    private final List<URI> uris;
    private final List<WebClient> clients;
    private final ScheduledExecutorService scheduler;
    private final FullJitterBackoff backoff;
    /** The replica calls go to first. */
    private final AtomicInteger current = new AtomicInteger();
    /** Failed attempts since the last answer, on any replica: the backoff before the next failover grows with it. */
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private final AtomicLong failovers = new AtomicLong();

    RegistryAddresses(
            List<URI> uris,
            ClientFactory factory,
            @Nullable String adminToken,
            ScheduledExecutorService scheduler,
            FullJitterBackoff backoff) {
        this.uris = List.copyOf(uris);
        this.scheduler = scheduler;
        this.backoff = backoff;
        final List<WebClient> clients = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            final WebClientBuilder builder = WebClient.builder(uri).factory(factory);
            if (adminToken != null) {
                builder.addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminToken);
            }
            clients.add(builder.build());
        }
        this.clients = List.copyOf(clients);
    }

    List<URI> uris() {
        return uris;
    }

    /** The replica calls go to now. */
    URI current() {
        return uris.get(current.get());
    }

    /** How many times a call moved on to another replica. */
    long failovers() {
        return failovers.get();
    }

    /**
     * Sends the request {@code request} makes, on the current replica and then on the others as long as it fails
     * (see the class comment). Cancelling the returned future aborts the attempt in flight and makes no other.
     *
     * @param read whether the call is a read, whose stale answer is worth asking another replica about
     */
    CompletableFuture<AggregatedHttpResponse> send(Function<WebClient, HttpResponse> request, boolean read) {
        final Call call = new Call(request, read, current.get());
        call.attempt();
        return call.result;
    }

    /**
     * Sends the request {@code request} makes to the current replica only, and answers its response as it streams:
     * for a call held open as long as its caller reads (a tap), which no other replica could resume.
     */
    HttpResponse stream(Function<WebClient, HttpResponse> request) {
        return request.apply(clients.get(current.get()));
    }

    /** One call, over as many replicas as it takes. */
    private final class Call {

        final Function<WebClient, HttpResponse> request;
        final boolean read;
        final int first;
        final CompletableFuture<AggregatedHttpResponse> result = new CompletableFuture<>();

        // Guarded by this.
        int attempts;

        @Nullable
        HttpResponse inFlight;

        @Nullable
        AggregatedHttpResponse stale;

        Call(Function<WebClient, HttpResponse> request, boolean read, int first) {
            this.request = request;
            this.read = read;
            this.first = first;
            result.whenComplete((unused, cause) -> {
                if (result.isCancelled()) {
                    abort();
                }
            });
        }

        private synchronized void abort() {
            if (inFlight != null) {
                inFlight.abort();
            }
        }

        synchronized void attempt() {
            if (result.isDone()) {
                return;
            }
            final int replica = (first + attempts) % clients.size();
            attempts++;
            final HttpResponse response;
            try {
                response = request.apply(clients.get(replica));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            inFlight = response;
            response.aggregate().whenComplete((answer, cause) -> onAnswer(replica, answer, cause));
        }

        private void onAnswer(int replica, @Nullable AggregatedHttpResponse answer, @Nullable Throwable cause) {
            if (result.isDone()) {
                return;
            }
            final Throwable peeled = cause != null ? Exceptions.peel(cause) : null;
            if (peeled instanceof CancellationException) {
                result.completeExceptionally(peeled);
                return;
            }
            final boolean failed = answer == null || answer.status().isServerError();
            final boolean isStale =
                    answer != null && read && "true".equals(answer.headers().get(STALE_HEADER));
            if (!failed && !isStale) {
                consecutiveFailures.set(0);
                current.set(replica);
                result.complete(answer);
                return;
            }
            final boolean last;
            synchronized (this) {
                if (isStale && stale == null) {
                    stale = answer;
                }
                last = attempts >= clients.size();
            }
            if (last) {
                finish(answer, peeled);
                return;
            }
            // Move the shared pointer on only from the replica that failed, so that concurrent calls failing on
            // one replica move it once, not once each; and say so once per move.
            final int next = (replica + 1) % clients.size();
            failovers.incrementAndGet();
            final int failures = consecutiveFailures.incrementAndGet();
            final long delayMillis = backoff.nextDelayMillis(failures);
            if (current.compareAndSet(replica, next)) {
                logger.warn(
                        "registry {} {}; moving to {}",
                        uris.get(replica),
                        peeled != null
                                ? "cannot be reached (" + peeled + ')'
                                : "answered " + requireNonNull(answer).status() + (isStale ? " from stale data" : ""),
                        uris.get(next));
            }
            if (delayMillis == 0) {
                attempt();
            } else {
                scheduler.schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
            }
        }

        private void finish(@Nullable AggregatedHttpResponse answer, @Nullable Throwable cause) {
            final AggregatedHttpResponse best;
            synchronized (this) {
                best = stale;
            }
            if (best != null) {
                // Every replica is stale or failing: what a replica last heard beats nothing.
                result.complete(best);
            } else if (answer != null) {
                consecutiveFailures.incrementAndGet();
                result.complete(answer);
            } else {
                consecutiveFailures.incrementAndGet();
                result.completeExceptionally(requireNonNull(cause, "cause"));
            }
        }
    }

    /** The failover backoff unless told otherwise: the first move is near-immediate, and no wait exceeds 2 s. */
    static FullJitterBackoff defaultBackoff() {
        return FullJitterBackoff.of(Duration.ofMillis(25), Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return uris.size() == 1 ? uris.get(0).toString() : uris + " (now " + current() + ')';
    }
}
