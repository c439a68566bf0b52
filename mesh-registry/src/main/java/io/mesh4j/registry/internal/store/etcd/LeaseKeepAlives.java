package io.mesh4j.registry.internal.store.etcd;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.mesh4j.core.internal.MeshScheduler;

/**
 * The lease keep-alives of one replica's heartbeats, pipelined on one {@code LeaseKeepAlive} stream to the etcd
 * leader, instead of a stream opened and closed per heartbeat (jetcd's {@code keepAliveOnce}) on whichever member
 * the channel's round robin picked.
 *
 * <p><b>Why.</b> A keep-alive is the one etcd call a heartbeat makes, and etcd answers it from the leader's memory
 * (no raft, no disk); what it cost was the rest: a new HTTP/2 stream per heartbeat, and on the two followers out of
 * three a renewal forwarded to the leader as an HTTP request of its own. One long-lived stream to the leader carries
 * many leases' keep-alives, each a small message, answered in order.
 *
 * <p><b>What an answer means.</b> A renewal completes only with etcd's answer to a keep-alive sent <em>after</em>
 * the renewal was asked for: etcd then holds the lease until at least that moment plus its TTL, whatever becomes of
 * this replica. Renewals of one lease asked while its keep-alive is on its way share the next one, sent as soon as
 * that answer is in (at most one keep-alive per lease in flight, one waiting).
 *
 * <p><b>Which member.</b> The stream goes to the member every member names as leader ({@code Status}); a new raft
 * term seen in an answer looks for the leader again, and the stream moves there once its keep-alives in flight are
 * answered (a half-close, which etcd finishes in order). A stream that breaks or stalls fails what it had in flight
 * (the heartbeat is answered 503, and its member tries again); the next renewal opens a new one. A follower would
 * answer too, by forwarding, so a stale choice is slower, never wrong.
 */
final class LeaseKeepAlives implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaseKeepAlives.class);

    /** jetcd's key: a member without a leader refuses at once rather than holding the call. */
    private static final Metadata.Key<String> REQUIRE_LEADER =
            Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

    private static final long STALL_CHECK_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final List<URI> endpoints;
    private final List<ManagedChannel> channels;
    private final long timeoutNanos;
    /** Looks for keep-alives unanswered past the timeout, a fifth of it apart (at least 10 ms). */
    private final ScheduledFuture<?> stallCheck;

    // Guarded by this.
    private @Nullable Stream stream;
    /** Which endpoint the next stream opens on: the leader, as last found. */
    private int preferred;
    /** The raft term the leader was last looked for in; a higher one in an answer means an election since. */
    private long term;

    private boolean lookingForLeader;
    private boolean closed;
    /** Each lease's keep-alive in flight, with the stream it was sent on. */
    private final Map<Long, Sent> inFlight = new HashMap<>();
    /** Each lease's renewals asked while its keep-alive was in flight: they wait for the next one. */
    private final Map<Long, CompletableFuture<Long>> waiting = new HashMap<>();

    LeaseKeepAlives(List<URI> endpoints, long timeoutNanos) {
        this.endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        this.timeoutNanos = timeoutNanos;
        final List<ManagedChannel> made = new ArrayList<>(endpoints.size());
        for (URI endpoint : this.endpoints) {
            // The port etcd's clients default to, as jetcd does for an endpoint without one.
            made.add(NettyChannelBuilder.forAddress(
                            endpoint.getHost(), endpoint.getPort() < 0 ? 2379 : endpoint.getPort())
                    .usePlaintext()
                    .directExecutor() // the callbacks only complete futures
                    .keepAliveTime(5, TimeUnit.SECONDS)
                    .keepAliveTimeout(3, TimeUnit.SECONDS)
                    .intercept(MetadataUtils.newAttachHeadersInterceptor(requireLeader()))
                    .build());
        }
        channels = List.copyOf(made);
        final long period = Math.max(STALL_CHECK_MIN_NANOS, timeoutNanos / 5);
        stallCheck = MeshScheduler.get()
                .scheduleWithFixedDelay(
                        () -> {
                            try {
                                checkStalled();
                            } catch (RuntimeException e) {
                                // A periodic task that throws is never run again: keep checking.
                                logger.warn("checking etcd lease keep-alives for stalls failed", e);
                            }
                        },
                        period,
                        period,
                        TimeUnit.NANOSECONDS);
        findLeader();
    }

    private static Metadata requireLeader() {
        final Metadata metadata = new Metadata();
        metadata.put(REQUIRE_LEADER, "true");
        return metadata;
    }

    /**
     * Renews {@code lease}: completes with the TTL in seconds that etcd renewed it for, by a keep-alive sent after
     * this call (so etcd holds it until at least this call plus that TTL), or 0 if etcd no longer has it (expired or
     * revoked); fails if etcd did not answer within the timeout (checked a fifth of the timeout apart). Completed on
     * the gRPC channel's thread that read etcd's answer.
     */
    CompletableFuture<Long> renew(long lease) {
        final CompletableFuture<Long> renewed;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the etcd connection is closed"));
            }
            if (inFlight.containsKey(lease)) {
                // Sent before this renewal was asked for: its answer promises too little. Wait for the next.
                renewed = waiting.computeIfAbsent(lease, unused -> new CompletableFuture<>());
            } else {
                renewed = new CompletableFuture<>();
                send(lease, renewed);
            }
        }
        return renewed;
    }

    /** Sends a keep-alive of {@code lease} on the stream, opened if there is none. */
    private void send(long lease, CompletableFuture<Long> renewed) {
        assert Thread.holdsLock(this);
        Stream current = stream;
        if (current == null) {
            current = new Stream(preferred);
            stream = current;
        }
        inFlight.put(lease, new Sent(current, renewed, System.nanoTime()));
        current.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
    }

    /**
     * Gives up the stream of a keep-alive that etcd has not answered within the timeout. One periodic check for the
     * whole replica rather than a timer per heartbeat: a timer per renewal was a task put on, and cancelled from, the
     * JDK's one shared delay queue (a lock) and four objects, on every heartbeat's path, for a timeout that almost
     * never fires. A renewal now fails between the timeout and the timeout plus the check's period after its
     * keep-alive was sent, and the renewals waiting behind it with it.
     */
    private void checkStalled() {
        final long now = System.nanoTime();
        @Nullable Stream stalled = null;
        synchronized (this) {
            for (Sent sent : inFlight.values()) {
                if (now - sent.sentAt >= timeoutNanos) {
                    stalled = sent.stream;
                    if (stalled == stream) {
                        stream = null; // no more keep-alives on it
                    }
                    break;
                }
            }
        }
        if (stalled == null) {
            return;
        }
        logger.warn(
                "etcd member {} did not answer a lease keep-alive in time: the next goes on another stream",
                endpoints.get(stalled.endpoint));
        // Failed with the timeout first, so that the heartbeats say why; cancelling the call fails it again, with
        // nothing left on it.
        stalled.failed(new TimeoutException("etcd did not answer a lease keep-alive in time"));
        synchronized (this) {
            stalled.requests.onError(new TimeoutException("no keep-alive answer in time"));
        }
    }

    /** Asks every member who leads, and moves the stream there. */
    private void findLeader() {
        synchronized (this) {
            if (lookingForLeader || closed) {
                return;
            }
            lookingForLeader = true;
        }
        final List<CompletableFuture<@Nullable StatusResponse>> asked = new ArrayList<>(channels.size());
        for (ManagedChannel channel : channels) {
            final CompletableFuture<@Nullable StatusResponse> status = new CompletableFuture<>();
            MaintenanceGrpc.newStub(channel)
                    .withDeadlineAfter(1, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance(), new StreamObserver<>() {
                        @Override
                        public void onNext(StatusResponse response) {
                            status.complete(response);
                        }

                        @Override
                        public void onError(Throwable t) {
                            status.complete(null);
                        }

                        @Override
                        public void onCompleted() {
                            status.complete(null);
                        }
                    });
            asked.add(status);
        }
        CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).whenComplete((done, ignored) -> {
            int leader = -1;
            int answered = -1;
            long leaderTerm = 0;
            for (int i = 0; i < asked.size(); i++) {
                final @Nullable StatusResponse status = asked.get(i).join();
                if (status == null) {
                    continue;
                }
                answered = answered < 0 ? i : answered;
                if (status.getLeader() != 0 && status.getHeader().getMemberId() == status.getLeader()) {
                    leader = i;
                    leaderTerm = status.getHeader().getRaftTerm();
                }
            }
            final @Nullable Stream leaving;
            synchronized (this) {
                lookingForLeader = false;
                if (leader < 0) {
                    // No leader now (an election): the next stream goes to a member that answers at least, which
                    // forwards once there is one; the failures until then look for the leader again.
                    if (answered >= 0) {
                        preferred = answered;
                    }
                    return;
                }
                preferred = leader;
                term = Math.max(term, leaderTerm);
                leaving = stream != null && stream.endpoint != leader ? stream : null;
                if (leaving != null) {
                    stream = null; // the next renewal opens a stream to the leader
                }
            }
            if (leaving != null) {
                logger.info("etcd's leader is {}: lease keep-alives move there", endpoints.get(leader));
                leaving.requests.onCompleted(); // etcd answers what it has, in order, then ends the stream
            }
        });
    }

    @Override
    public void close() {
        final List<CompletableFuture<Long>> abandoned = new ArrayList<>();
        synchronized (this) {
            closed = true;
            stallCheck.cancel(false);
            inFlight.values().forEach(sent -> abandoned.add(sent.renewed));
            abandoned.addAll(waiting.values());
            inFlight.clear();
            waiting.clear();
            stream = null;
        }
        abandoned.forEach(renewed -> renewed.completeExceptionally(new IllegalStateException("closed")));
        channels.forEach(ManagedChannel::shutdownNow);
    }

    /** A keep-alive in flight: the stream it went on, who waits for its answer, and when it was sent. */
    private record Sent(Stream stream, CompletableFuture<Long> renewed, long sentAt) {}

    /** One {@code LeaseKeepAlive} stream to one member: etcd answers its keep-alives one by one, in order. */
    private final class Stream implements StreamObserver<LeaseKeepAliveResponse> {

        final int endpoint;
        final StreamObserver<LeaseKeepAliveRequest> requests;

        Stream(int endpoint) {
            this.endpoint = endpoint;
            requests = LeaseGrpc.newStub(channels.get(endpoint)).leaseKeepAlive(this);
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            final long lease = response.getID();
            final @Nullable Sent sent;
            final boolean newTerm;
            synchronized (LeaseKeepAlives.this) {
                sent = inFlight.get(lease);
                if (sent == null || sent.stream != this) {
                    return; // given up on (timed out, or this stream failed meanwhile)
                }
                inFlight.remove(lease);
                final @Nullable CompletableFuture<Long> next = waiting.remove(lease);
                if (next != null && !closed) {
                    send(lease, next);
                }
                newTerm = response.getHeader().getRaftTerm() > term;
                if (newTerm) {
                    term = response.getHeader().getRaftTerm();
                }
            }
            // A TTL of 0 (or less) is etcd's "lease not found": expired or revoked.
            sent.renewed.complete(Math.max(0, response.getTTL()));
            if (newTerm) {
                findLeader(); // an election since the leader was last found: it may be another member now
            }
        }

        @Override
        public void onError(Throwable t) {
            failed(t);
        }

        @Override
        public void onCompleted() {
            failed(new IllegalStateException("etcd ended the lease keep-alive stream"));
        }

        /** Fails what is in flight on this stream, and what waits on it; the next renewal opens another stream. */
        void failed(Throwable cause) {
            final List<CompletableFuture<Long>> failed = new ArrayList<>();
            boolean wasCurrent;
            synchronized (LeaseKeepAlives.this) {
                wasCurrent = stream == this;
                if (wasCurrent) {
                    stream = null;
                }
                inFlight.entrySet().removeIf(entry -> {
                    if (entry.getValue().stream != this) {
                        return false;
                    }
                    failed.add(entry.getValue().renewed);
                    final @Nullable CompletableFuture<Long> next = waiting.remove(entry.getKey());
                    if (next != null) {
                        failed.add(next);
                    }
                    return true;
                });
            }
            failed.forEach(renewed -> renewed.completeExceptionally(cause));
            if (wasCurrent) {
                findLeader();
            }
        }
    }
}
