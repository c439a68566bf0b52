package io.mesh4j.core.internal.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class MemberTapTest {

    private final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final MemberTap tap = new MemberTap(nanos::get);

    @Test
    void samplesNothingAndHoldsNothingWhileNoTapIsOpen() {
        assertThat(tap.isOpen()).isFalse();
        tap.open(List.of(new TapFilter("t1", null, null, null, null, 10)));
        assertThat(tap.isOpen()).isTrue();
        tap.open(List.of());
        assertThat(tap.isOpen()).isFalse();
        assertThat(tap.drain(10)).isEmpty();
        assertThat(tap.sampled()).isZero();
    }

    @Test
    void takesAtMostTheTapsRateWithABurstOfOneSecond() {
        tap.open(List.of(new TapFilter("t1", null, null, null, null, 5)));
        for (int i = 0; i < 20; i++) {
            tap.offer(inbound("frontend", "/orders/" + i));
        }
        assertThat(tap.drain(100)).hasSize(5);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
        for (int i = 0; i < 20; i++) {
            tap.offer(inbound("frontend", "/orders/" + i));
        }
        assertThat(tap.drain(100)).hasSize(1);
        // A tap that stays open keeps its spent budget when the registry repeats it.
        tap.open(List.of(new TapFilter("t1", null, null, null, null, 5)));
        tap.offer(inbound("frontend", "/orders/1"));
        assertThat(tap.drain(100)).isEmpty();
    }

    @Test
    void eachRecordGoesToTheTapsThatWantIt() {
        tap.open(List.of(
                new TapFilter("from-frontend", "frontend", null, null, null, 100),
                new TapFilter("to-inventory", null, "inventory", null, null, 100),
                new TapFilter("posts", null, null, "/orders", "post", 100)));
        tap.offer(inbound("frontend", "/orders/1"));
        tap.offer(inbound("intruder", "/orders/1"));
        tap.offer(new TapRecord(0, false, "orders", "inventory", "GET", "/stock/1", 200, -1, 10, 2, List.of()));
        tap.offer(new TapRecord(0, true, "frontend", "orders", "POST", "/orders", 201, -1, 10, 0, List.of()));
        final List<TapRecord> records = tap.drain(10);
        assertThat(records)
                .extracting(TapRecord::taps)
                .containsExactly(List.of("from-frontend"), List.of("to-inventory"), List.of("from-frontend", "posts"));
    }

    @Test
    void aFullQueueDropsAndCountsRatherThanWaiting() {
        tap.open(List.of(new TapFilter("t1", null, null, null, null, 100)));
        for (int i = 0; i < 2 * MemberTap.QUEUE; i++) {
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
            tap.offer(inbound("frontend", "/orders/" + i));
        }
        assertThat(tap.sampled()).isEqualTo(MemberTap.QUEUE);
        assertThat(tap.dropped()).isEqualTo(MemberTap.QUEUE);
        assertThat(tap.drain(Integer.MAX_VALUE)).hasSize(MemberTap.QUEUE);
    }

    @Test
    void aFilterSaysWhatIsWrongWithIt() {
        assertThatThrownBy(() -> new TapFilter("t1", "frontend", "inventory", null, null, 5))
                .hasMessageStartingWith("from and to exclude each other");
        assertThatThrownBy(() -> new TapFilter("t1", null, null, null, null, 101))
                .hasMessage("max-rps: 101 (expected: from 1 to 100)");
        assertThatThrownBy(() -> new TapFilter("t1", null, null, "orders", null, 5))
                .hasMessageStartingWith("path: 'orders' (expected: a path prefix starting with /");
        assertThatThrownBy(() -> new TapFilter("t1", "Front End", null, null, null, 5))
                .hasMessageStartingWith("from: ");
        assertThat(TapPaths.of("/orders/7?token=secret")).isEqualTo("/orders/7");
    }

    private static TapRecord inbound(String caller, String path) {
        return new TapRecord(0, true, caller, "orders", "GET", path, 200, -1, 1_000, 0, List.of());
    }
}
