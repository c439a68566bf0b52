package io.mesh4j.benchmarks.process;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A line of {@code key=value} fields separated by spaces: how benchmark processes pass commands and results,
 * readable in their logs and free of any escaping, since no value holds a space.
 */
public final class Fields {

    private final Map<String, String> values;

    private Fields(Map<String, String> values) {
        this.values = values;
    }

    public static Fields parse(String line) {
        final Map<String, String> values = new LinkedHashMap<>();
        for (String token : line.trim().split("\\s+")) {
            final int eq = token.indexOf('=');
            if (eq > 0) {
                values.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return new Fields(values);
    }

    public String get(String key) {
        final @Nullable String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no field '" + key + "' in " + values.keySet());
        }
        return value;
    }

    public long getLong(String key) {
        return Long.parseLong(get(key));
    }

    public int getInt(String key) {
        return Integer.parseInt(get(key));
    }

    public double getDouble(String key) {
        return Double.parseDouble(get(key));
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
