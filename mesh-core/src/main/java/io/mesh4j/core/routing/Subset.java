package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * The instances of a service whose metadata has all these labels, such as {@code version=v2}; no labels is every
 * instance.
 *
 * <pre>{@code
 * Subset v2 = new Subset(Map.of("version", "v2"));
 * }</pre>
 *
 * @param labels metadata keys and the exact values an instance must have; empty for every instance
 */
public record Subset(Map<String, String> labels) {

    /** Every instance of the service. */
    public static final Subset ALL = new Subset(Map.of());

    /**
     * Copies the labels.
     *
     * @param labels see {@link #labels()}
     * @throws NullPointerException if {@code labels} is {@code null} or holds a {@code null}
     */
    public Subset {
        labels = Map.copyOf(requireNonNull(labels, "labels"));
    }

    /**
     * Returns whether an instance of this metadata belongs to the subset.
     *
     * @param metadata an instance's metadata, as it registered it
     * @return {@code true} if the metadata has every label with its value
     */
    public boolean contains(Map<String, String> metadata) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!label.getValue().equals(metadata.get(label.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the labels in key order, such as {@code {version=v2}}, or {@code all instances}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return labels.isEmpty() ? "all instances" : new TreeMap<>(labels).toString();
    }
}
