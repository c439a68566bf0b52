package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

/**
 * A share of a rule's traffic, in percent, and the subset it goes to.
 */
public record WeightedSubset(Subset subset, int weight) {

    public WeightedSubset {
        requireNonNull(subset, "subset");
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0..100)");
        }
    }
}
