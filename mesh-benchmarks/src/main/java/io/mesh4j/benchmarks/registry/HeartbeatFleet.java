package io.mesh4j.benchmarks.registry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

import io.mesh4j.benchmarks.load.Bounded;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * The heartbeats of a fleet of members: member {@code m} of {@code M} stands for the instances {@code m, m + M,
 * m + 2M...} and heartbeats them in turn over its own client (its certificate, its one HTTP/2 connection), with
 * {@code inFlightPerMember} heartbeats in flight at most, each sent when one of its earlier ones is answered. With
 * one in flight per member, {@code M} heartbeats are in flight on {@code M} connections, as a mesh's members, each
 * heartbeating on its own connection, load the registry; it is the registry's saturation that is measured, not a
 * member's pace.
 */
final class HeartbeatFleet {

    private final List<RegistryClient> members;
    private final ServiceName service;
    private final int instances;
    private final int inFlightPerMember;
    private final LongFunction<InstanceId> instanceId;

    /**
     * @param members one client per member; at most {@code instances} of them are used, so that each stands for one
     *     instance at least
     */
    HeartbeatFleet(
            List<RegistryClient> members,
            ServiceName service,
            int instances,
            int inFlightPerMember,
            LongFunction<InstanceId> instanceId) {
        if (members.isEmpty() || instances < 1 || inFlightPerMember < 1) {
            throw new IllegalArgumentException("a fleet needs members, instances and a heartbeat in flight each");
        }
        this.members = List.copyOf(members.subList(0, Math.min(members.size(), instances)));
        this.service = requireNonNull(service, "service");
        this.instances = instances;
        this.inFlightPerMember = inFlightPerMember;
        this.instanceId = requireNonNull(instanceId, "instanceId");
    }

    /** The members that heartbeat: no more than there are instances. */
    int members() {
        return members.size();
    }

    /** Heartbeats for {@code duration}, then waits for those in flight; a heartbeat the registry answers 404 fails. */
    Bounded.Outcome run(Duration duration) {
        return run(duration, Long.MAX_VALUE);
    }

    /**
     * Heartbeats for {@code duration} or until {@code most} heartbeats are sent, whichever comes first, then waits
     * for those in flight; a heartbeat the registry answers 404 fails.
     */
    Bounded.Outcome run(Duration duration, long most) {
        final long start = System.nanoTime();
        final long end = start + duration.toNanos();
        final LongAdder completed = new LongAdder();
        final LongAdder failed = new LongAdder();
        final CountDownLatch done = new CountDownLatch(members.size() * inFlightPerMember);
        final AtomicLong sent = new AtomicLong();
        for (int m = 0; m < members.size(); m++) {
            final Member member = new Member(m, end, most, sent, completed, failed, done);
            for (int lane = 0; lane < inFlightPerMember; lane++) {
                member.next();
            }
        }
        try {
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("heartbeats still in flight after 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return new Bounded.Outcome(completed.sum(), failed.sum(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** One member: its client, its instances, and its turn among them. */
    private final class Member {

        private final int index;
        private final RegistryClient client;
        /** How many of the instances this member stands for: {@code m, m + M, ...} below the instance count. */
        private final long owned;

        private final long end;
        private final long most;
        private final AtomicLong sent;
        private final LongAdder completed;
        private final LongAdder failed;
        private final CountDownLatch done;
        private final AtomicLong turn = new AtomicLong();

        Member(
                int index,
                long end,
                long most,
                AtomicLong sent,
                LongAdder completed,
                LongAdder failed,
                CountDownLatch done) {
            this.index = index;
            this.client = members.get(index);
            this.owned = (instances - index + members.size() - 1) / members.size();
            this.end = end;
            this.most = most;
            this.sent = sent;
            this.completed = completed;
            this.failed = failed;
            this.done = done;
        }

        /** Sends this member's next heartbeat, or ends this lane once the time is up or the fleet sent its most. */
        void next() {
            if (System.nanoTime() >= end || sent.getAndIncrement() >= most) {
                done.countDown();
                return;
            }
            final long instance = index + (turn.getAndIncrement() % owned) * members.size();
            CompletableFuture<Boolean> heartbeat;
            try {
                heartbeat = client.heartbeat(service, instanceId.apply(instance));
            } catch (RuntimeException e) {
                heartbeat = CompletableFuture.failedFuture(e);
            }
            heartbeat.whenComplete((known, cause) -> {
                completed.increment();
                if (cause != null || !Boolean.TRUE.equals(known)) {
                    failed.increment();
                }
                next();
            });
        }
    }
}
