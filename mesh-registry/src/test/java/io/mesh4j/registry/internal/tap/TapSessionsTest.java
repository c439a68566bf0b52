package io.mesh4j.registry.internal.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.TapJson;
import io.mesh4j.core.internal.tap.TapFilter;
import io.mesh4j.core.internal.tap.TapRecord;

class TapSessionsTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final TapSessions sessions =
            new TapSessions(Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC), nanos::get);

    @Test
    void aMembersWatchIsAnsweredAtOnceWhenATapOpensAndAgainWhenItCloses() {
        // An index this registry never gave (a member's first watch, or one from before a restart): at once.
        final TapJson.Sessions none = sessions.watch(ORDERS, 0, WAIT).join();
        assertThat(none.taps()).isEmpty();

        final CompletableFuture<TapJson.Sessions> held = sessions.watch(ORDERS, none.index(), WAIT);
        final CompletableFuture<TapJson.Sessions> otherService =
                sessions.watch(ServiceName.of("inventory"), none.index(), WAIT);
        assertThat(held).isNotDone();
        final TapSessions.Session session = sessions.open(ORDERS, filter("t1", 10), record -> {});
        final TapJson.Sessions open = held.join();
        assertThat(open.taps()).containsExactly(filter("t1", 10));
        assertThat(otherService).isNotDone();

        final CompletableFuture<TapJson.Sessions> closing = sessions.watch(ORDERS, open.index(), WAIT);
        assertThat(closing).isNotDone();
        session.close();
        assertThat(closing.join().taps()).isEmpty();
        otherService.cancel(false);
    }

    @Test
    void aTapTakesAtMostItsRateAndOnlyWhatItWants() {
        final List<TapRecord> seen = new ArrayList<>();
        final TapSessions.Session session = sessions.open(ORDERS, filter("t1", 10), seen::add);
        final List<TapRecord> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(inbound("frontend", List.of("t1")));
        }
        records.add(inbound("frontend", List.of("closed-or-unknown")));
        sessions.deliver(ORDERS, records);
        assertThat(seen).hasSize(10);
        assertThat(session.dropped()).isEqualTo(40);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        sessions.deliver(ORDERS, records);
        assertThat(seen).hasSize(15);
    }

    @Test
    void aMemberMaySendOnlyWhatItMeasured() {
        assertThatThrownBy(
                        () -> sessions.deliver(ServiceName.of("frontend"), List.of(inbound("frontend", List.of("t1")))))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
    }

    @Test
    void aRegistryHoldsABoundedNumberOfTaps() {
        for (int i = 0; i < TapSessions.MAX_SESSIONS; i++) {
            sessions.open(ORDERS, filter("t" + i, 1), record -> {});
        }
        assertThatThrownBy(() -> sessions.open(ORDERS, filter("one-more", 1), record -> {}))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED));
    }

    private static TapFilter filter(String id, int maxRps) {
        return new TapFilter(id, null, null, null, null, maxRps);
    }

    private static TapRecord inbound(String caller, List<String> taps) {
        return new TapRecord(0, true, caller, "orders", "GET", "/orders/1", 200, -1, 1_000, 0, taps);
    }
}
