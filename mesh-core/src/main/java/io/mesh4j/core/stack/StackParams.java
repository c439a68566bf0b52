package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.annotation.UnstableApi;

/**
 * What the layers of one stack share when it is built: the service it talks to or serves, the clock, the
 * classifier, the live policy source. A typed map, so a layer added later can bring its own {@link Key}
 * without this class knowing it.
 */
@UnstableApi
public final class StackParams {

    private static final StackParams EMPTY = new StackParams(Map.of());

    private final Map<Key<?>, Object> values;

    private StackParams(Map<Key<?>, Object> values) {
        this.values = values;
    }

    public static StackParams empty() {
        return EMPTY;
    }

    /**
     * Returns the value of {@code key}, or its default when none was set.
     */
    @SuppressWarnings("unchecked")
    public <V> V get(Key<V> key) {
        requireNonNull(key, "key");
        final @Nullable Object value = values.get(key);
        return value != null ? (V) value : key.defaultValue();
    }

    /** Whether {@code key} was set, as opposed to falling back to its default. */
    public boolean contains(Key<?> key) {
        return values.containsKey(requireNonNull(key, "key"));
    }

    /** Returns a copy with every value of {@code other} set over this one's. */
    public StackParams withAll(StackParams other) {
        requireNonNull(other, "other");
        if (other.values.isEmpty()) {
            return this;
        }
        final Map<Key<?>, Object> copy = new HashMap<>(values);
        copy.putAll(other.values);
        return new StackParams(Map.copyOf(copy));
    }

    /**
     * Returns a copy in which {@code key} has {@code value}.
     */
    public <V> StackParams with(Key<V> key, V value) {
        requireNonNull(key, "key");
        requireNonNull(value, key.name);
        final Map<Key<?>, Object> copy = new HashMap<>(values);
        copy.put(key, value);
        return new StackParams(Map.copyOf(copy));
    }

    @Override
    public String toString() {
        return "StackParams" + values;
    }

    /**
     * A typed parameter with a default. Keys compare by identity: declare each one once, as a constant.
     */
    public static final class Key<V> {

        private final String name;
        private final Supplier<? extends V> defaultValue;
        private final boolean required;

        private Key(String name, Supplier<? extends V> defaultValue, boolean required) {
            this.name = requireNonNull(name, "name");
            this.defaultValue = requireNonNull(defaultValue, "defaultValue");
            this.required = required;
        }

        /**
         * A key whose value is {@code defaultValue} unless set.
         */
        public static <V> Key<V> of(String name, Supplier<? extends V> defaultValue) {
            return new Key<>(name, defaultValue, false);
        }

        /**
         * A key that must be set: reading it unset fails with a message naming it.
         */
        public static <V> Key<V> required(String name) {
            return new Key<>(
                    name,
                    () -> {
                        throw new IllegalStateException("stack parameter '" + name + "' is not set");
                    },
                    true);
        }

        /** Whether the key has no default, so that a stack whose layer reads it cannot be built without it. */
        public boolean isRequired() {
            return required;
        }

        V defaultValue() {
            return requireNonNull(defaultValue.get(), name);
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
