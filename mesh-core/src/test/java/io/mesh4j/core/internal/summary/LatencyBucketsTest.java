package io.mesh4j.core.internal.summary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class LatencyBucketsTest {

    @Test
    void everyLatencyFallsInTheBucketWhoseBoundsHoldIt() {
        for (long micros = 0; micros < 5_000_000; micros = micros < 100 ? micros + 1 : micros * 101 / 100) {
            final int index = LatencyBuckets.indexOf(TimeUnit.MICROSECONDS.toNanos(micros));
            assertThat(LatencyBuckets.lowerMicros(index)).as("%s us", micros).isLessThanOrEqualTo(micros);
            assertThat(LatencyBuckets.upperMicros(index)).as("%s us", micros).isGreaterThan(micros);
        }
    }

    @Test
    void bucketsAreContiguousAtMostAQuarterWideAndBounded() {
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
            assertThat(LatencyBuckets.upperMicros(i)).isEqualTo(LatencyBuckets.lowerMicros(i + 1));
            if (i >= 4) {
                assertThat(LatencyBuckets.upperMicros(i) - LatencyBuckets.lowerMicros(i))
                        .isLessThanOrEqualTo(LatencyBuckets.lowerMicros(i) / 4);
            }
        }
        assertThat(LatencyBuckets.indexOf(-5)).isZero();
        assertThat(LatencyBuckets.indexOf(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
    }

    @Test
    void quantilesOfMergedHistogramsAreWithinTheirBucket() {
        final long[] counts = new long[LatencyBuckets.COUNT];
        for (int i = 0; i < 99; i++) {
            counts[LatencyBuckets.indexOf(TimeUnit.MILLISECONDS.toNanos(2))]++;
        }
        counts[LatencyBuckets.indexOf(TimeUnit.MILLISECONDS.toNanos(300))]++;
        assertThat(LatencyBuckets.quantileMillis(counts, 0.5)).isBetween(2.0 * 0.8, 2.0 * 1.25);
        assertThat(LatencyBuckets.quantileMillis(counts, 0.999)).isBetween(300 * 0.8, 300 * 1.25);
        assertThat(LatencyBuckets.quantileMillis(new long[LatencyBuckets.COUNT], 0.99))
                .isZero();
    }
}
