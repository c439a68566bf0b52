package io.mesh4j.benchmarks.hop;

import java.util.Locale;

/**
 * The four ways the benchmark's client reaches its server, each measured in the same run.
 */
enum HopPath implements HopTarget {
    H2C("a", "raw Armeria, h2c"),
    TLS("b", "raw Armeria, mTLS"),
    MESH("c", "mesh4j defaults"),
    SIDECARS("d", "two HAProxy sidecars");

    private final String letter;
    private final String description;

    HopPath(String letter, String description) {
        this.letter = letter;
        this.description = description;
    }

    /** The letter the issue and the tables name the path by: a, b, c or d. */
    String letter() {
        return letter;
    }

    /** The {@link #letter()}. */
    @Override
    public String key() {
        return letter;
    }

    /** {@code (c) mesh4j defaults} */
    @Override
    public String label() {
        return '(' + letter + ") " + description;
    }

    static HopPath ofLetter(String letter) {
        for (HopPath path : values()) {
            if (path.letter.equals(letter.toLowerCase(Locale.ROOT))) {
                return path;
            }
        }
        throw new IllegalArgumentException("path: " + letter + " (expected: a, b, c or d)");
    }
}
