package io.mesh4j.registry.internal.quota;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Max-min fair division of a capacity by demand (water-filling): holders are served smallest demand first, each
 * getting its demand or an equal part of what is left, whichever is less; so no holder gets more than it asks
 * while another that asks for more gets less than an equal part. What nobody asks for is then split equally, so
 * that a holder whose demand grows has headroom before its next lease. Every holder counts as asking for at least
 * a tenth of an equal part ({@link #FLOOR}): an idle instance that traffic moves to can take some at once,
 * rather than refusing everything until its next lease.
 */
final class FairShare {

    /** The least demand a holder is counted with, as a part of an equal share. */
    static final double FLOOR = 0.1;

    /**
     * Returns the shares, in the order of {@code demands}; they sum to {@code capacity} (when there is a holder).
     *
     * @param capacity the quota, in requests per second
     * @param demands each holder's recent demand, in requests per second, {@code >= 0}
     */
    static double[] divide(double capacity, double[] demands) {
        final int n = demands.length;
        final double[] shares = new double[n];
        if (n == 0) {
            return shares;
        }
        final Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        final double floor = capacity / n * FLOOR;
        final double[] asked = new double[n];
        for (int i = 0; i < n; i++) {
            asked[i] = Math.max(floor, demands[i]);
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> asked[i]));
        double left = capacity;
        for (int k = 0; k < n; k++) {
            final int i = order[k];
            final double equalPart = left / (n - k);
            shares[i] = Math.min(asked[i], equalPart);
            left -= shares[i];
        }
        if (left > 0) {
            for (int i = 0; i < n; i++) {
                shares[i] += left / n;
            }
        }
        return shares;
    }

    private FairShare() {}
}
