package io.mesh4j.benchmarks.footprint;

import java.util.Locale;

/**
 * The two ways the footprint benchmark builds each service: as a user of raw Armeria would, and with mesh4j's
 * defaults.
 */
public enum Kind {
    RAW("raw Armeria, mTLS"),
    MESH("mesh4j defaults");

    private final String description;

    Kind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** {@code raw} or {@code mesh}: how the children's command lines name it. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
