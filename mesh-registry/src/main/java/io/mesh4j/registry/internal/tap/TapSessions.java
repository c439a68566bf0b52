package io.mesh4j.registry.internal.tap;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.TapJson;
import io.mesh4j.core.internal.tap.TapFilter;
import io.mesh4j.core.internal.tap.TapRecord;

/**
 * The tap sessions open at this registry, by service, and who waits to hear when they change. A session lives as
 * long as its tapper's stream: nothing of it is stored, and a registry that restarts has none.
 *
 * <p>Indexes start at the registry's start time in microseconds, so that a member that watched the previous
 * process (with a smaller index) is answered at once by this one, rather than waiting on an index this one never
 * reached.
 */
public final class TapSessions {

    /** The most taps open at once on one registry: each one costs every member of its service a sample stream. */
    public static final int MAX_SESSIONS = 16;

    private final LongSupplier nanos;
    private final long startIndex;
    // Guarded by this.
    private long index;
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<ServiceName, Long> changedAt = new HashMap<>();
    private final Map<ServiceName, List<CompletableFuture<Void>>> waiters = new HashMap<>();

    public TapSessions(Clock clock, LongSupplier nanos) {
        this.nanos = requireNonNull(nanos, "nanos");
        startIndex = TimeUnit.MILLISECONDS.toMicros(clock.millis());
        index = startIndex;
    }

    /** One open tap: its filter, where its records go, and the bound on how many it takes a second. */
    public final class Session {

        private final ServiceName service;
        private final TapFilter filter;
        private final Consumer<TapRecord> sink;
        private final long nanosPerRecord;
        // Guarded by this: the time up to which the session's budget is spent.
        private long spentUntil;
        private long delivered;
        private long dropped;

        Session(ServiceName service, TapFilter filter, Consumer<TapRecord> sink) {
            this.service = service;
            this.filter = filter;
            this.sink = sink;
            nanosPerRecord = TimeUnit.SECONDS.toNanos(1) / filter.maxRps();
            spentUntil = nanos.getAsLong() - TimeUnit.SECONDS.toNanos(1);
        }

        public TapFilter filter() {
            return filter;
        }

        /** Records streamed to the tapper so far. */
        public synchronized long delivered() {
            return delivered;
        }

        /** Records refused so far: over the tap's rate, as members may overshoot it together. */
        public synchronized long dropped() {
            return dropped;
        }

        /** Closes the session: its members hear of it at once and stop sampling for it. */
        public void close() {
            TapSessions.this.close(this);
        }

        private void offer(TapRecord record) {
            final long now = nanos.getAsLong();
            synchronized (this) {
                final long from = Math.max(spentUntil, now - TimeUnit.SECONDS.toNanos(1));
                if (from + nanosPerRecord > now) {
                    dropped++;
                    return;
                }
                spentUntil = from + nanosPerRecord;
                delivered++;
            }
            sink.accept(record);
        }
    }

    /**
     * Opens a tap of {@code service}; its records go to {@code sink}, on the thread that delivers them.
     *
     * @throws InvalidInputException {@code overloaded} when {@value #MAX_SESSIONS} taps are open already
     */
    public Session open(ServiceName service, TapFilter filter, Consumer<TapRecord> sink) {
        final Session session = new Session(service, filter, sink);
        final List<CompletableFuture<Void>> woken;
        synchronized (this) {
            if (sessions.size() >= MAX_SESSIONS) {
                throw new InvalidInputException(
                        ErrorCode.OVERLOADED,
                        MAX_SESSIONS + " taps are open on this registry already (the most it holds at once): close "
                                + "one, or tap again later");
            }
            sessions.put(filter.id(), session);
            woken = changed(service);
        }
        woken.forEach(waiter -> waiter.complete(null));
        return session;
    }

    private void close(Session session) {
        final List<CompletableFuture<Void>> woken;
        synchronized (this) {
            if (sessions.remove(session.filter.id()) != session) {
                return;
            }
            woken = changed(session.service);
        }
        woken.forEach(waiter -> waiter.complete(null));
    }

    // Called with this held.
    private List<CompletableFuture<Void>> changed(ServiceName service) {
        index++;
        changedAt.put(service, index);
        final List<CompletableFuture<Void>> woken = waiters.remove(service);
        return woken != null ? woken : List.of();
    }

    /** The taps open for {@code service} now. */
    public synchronized TapJson.Sessions snapshot(ServiceName service) {
        final List<TapFilter> open = new ArrayList<>();
        for (Session session : sessions.values()) {
            if (session.service.equals(service)) {
                open.add(session.filter);
            }
        }
        return new TapJson.Sessions(changedAt.getOrDefault(service, startIndex), List.copyOf(open));
    }

    /**
     * The taps open for {@code service} once they differ from what {@code index} saw, or when {@code wait} ends;
     * at once when {@code index} is not one this registry has answered (another process's, or none).
     */
    public CompletableFuture<TapJson.Sessions> watch(ServiceName service, long index, Duration wait) {
        final CompletableFuture<Void> changed = new CompletableFuture<>();
        synchronized (this) {
            final long at = changedAt.getOrDefault(service, startIndex);
            if (index < startIndex || index > this.index || at > index) {
                return CompletableFuture.completedFuture(snapshot(service));
            }
            waiters.computeIfAbsent(service, s -> new ArrayList<>()).add(changed);
        }
        changed.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS);
        // A waiter that timed out or was cancelled leaves no trace behind.
        changed.whenComplete((unused, cause) -> {
            synchronized (this) {
                final List<CompletableFuture<Void>> list = waiters.get(service);
                if (list != null) {
                    list.remove(changed);
                    if (list.isEmpty()) {
                        waiters.remove(service);
                    }
                }
            }
        });
        final CompletableFuture<TapJson.Sessions> answer = changed.thenApply(unused -> snapshot(service));
        answer.whenComplete((unused, cause) -> {
            if (answer.isCancelled()) {
                changed.cancel(false);
            }
        });
        return answer;
    }

    /**
     * Hands {@code records}, sent by a member of {@code member}, to the open taps they name, within each tap's rate.
     * A record for a tap that has closed, that is not of {@code member}'s service or that the tap does not want is
     * left out: a member may lag its watch by a moment.
     *
     * @return how many (record, tap) pairs matched an open tap, before its rate
     * @throws InvalidInputException {@code forbidden} for a record that {@code member} did not measure
     */
    public int deliver(ServiceName member, List<TapRecord> records) {
        for (TapRecord record : records) {
            final String owner = record.inbound() ? record.service() : record.caller();
            if (!owner.equals(member.value())) {
                throw new InvalidInputException(
                        ErrorCode.FORBIDDEN,
                        "records of " + member + " name a request measured by " + owner + " (" + record.caller()
                                + " -> " + record.service() + ", " + (record.inbound() ? "inbound" : "outbound")
                                + "): a member sends only the calls it made and the requests it served");
            }
        }
        int delivered = 0;
        for (TapRecord record : records) {
            for (String id : record.taps()) {
                final Session session;
                synchronized (this) {
                    session = sessions.get(id);
                }
                if (session != null && session.service.equals(member) && session.filter.matches(record)) {
                    session.offer(record);
                    delivered++;
                }
            }
        }
        return delivered;
    }
}
