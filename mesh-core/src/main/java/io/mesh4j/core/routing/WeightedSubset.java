package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

/**
 * A share of a rule's traffic, in percent, and the subset it goes to.
 *
 * @param subset the instances this share goes to
 * @param weight the share in percent, 0 to 100; the weights of one rule's split sum to 100
 */
public record WeightedSubset(Subset subset, int weight) {

    /**
     * Checks the components.
     *
     * @param subset see {@link #subset()}
     * @param weight see {@link #weight()}
     * @throws NullPointerException if {@code subset} is {@code null}
     * @throws IllegalArgumentException if {@code weight} is out of 0 to 100
     */
    public WeightedSubset {
        requireNonNull(subset, "subset");
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0..100)");
        }
    }
}
