package io.mesh4j.client.internal.balancer.p2c;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.Endpoint;

/**
 * The endpoints the balancer is offered, and how to draw one of them by weight: built once per change of the
 * endpoints, so that a draw costs one binary search, and no more than a uniform draw while every weight is the same.
 */
final class Offer {

    static final Offer EMPTY = new Offer(List.of());

    private final List<Endpoint> endpoints;

    /** The running sums of the weights; {@code null} when all weights are equal, and a uniform draw is a draw by weight. */
    private final long @Nullable [] runningWeights;

    Offer(List<Endpoint> endpoints) {
        this.endpoints = endpoints;
        runningWeights = differ(endpoints) ? runningSums(endpoints) : null;
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The weight the balancer gives {@code endpoint}: its registered one, at least 1 so that every endpoint is probed. */
    static int weightOf(Endpoint endpoint) {
        return Math.max(1, endpoint.weight());
    }

    /** The index of an endpoint drawn with a chance proportional to its weight. */
    int drawByWeight(ThreadLocalRandom random) {
        final long @Nullable [] sums = runningWeights;
        if (sums == null) {
            return random.nextInt(endpoints.size());
        }
        final long ticket = random.nextLong(sums[sums.length - 1]);
        // The endpoint whose range [sum before it, its sum) holds the ticket: the first sum above the ticket.
        final int found = Arrays.binarySearch(sums, ticket);
        return found >= 0 ? found + 1 : -found - 1;
    }

    private static boolean differ(List<Endpoint> endpoints) {
        for (Endpoint endpoint : endpoints) {
            if (weightOf(endpoint) != weightOf(endpoints.get(0))) {
                return true;
            }
        }
        return false;
    }

    private static long[] runningSums(List<Endpoint> endpoints) {
        final long[] sums = new long[endpoints.size()];
        long sum = 0;
        for (int i = 0; i < sums.length; i++) {
            sum += weightOf(endpoints.get(i));
            sums[i] = sum;
        }
        return sums;
    }
}
