package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * The instances of a service whose metadata has all these labels, such as {@code version=v2}; no labels is every
 * instance.
 */
public record Subset(Map<String, String> labels) {

    public static final Subset ALL = new Subset(Map.of());

    public Subset {
        labels = Map.copyOf(requireNonNull(labels, "labels"));
    }

    public boolean contains(Map<String, String> metadata) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!label.getValue().equals(metadata.get(label.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return labels.isEmpty() ? "all instances" : new TreeMap<>(labels).toString();
    }
}
