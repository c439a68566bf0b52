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

    /**
     * Returns parameters with no value set: every key reads its default.
     *
     * @return the empty parameters
     */
    public static StackParams empty() {
        return EMPTY;
    }

    /**
     * Returns the value of {@code key}, or its default when none was set.
     *
     * @param <V> the type of the value
     * @param key the key
     * @return the value; never {@code null}
     * @throws IllegalStateException if {@code key} is {@linkplain Key#required(String) required} and not set
     */
    @SuppressWarnings("unchecked")
    public <V> V get(Key<V> key) {
        requireNonNull(key, "key");
        final @Nullable Object value = values.get(key);
        return value != null ? (V) value : key.defaultValue();
    }

    /**
     * Returns whether {@code key} was set, as opposed to falling back to its default.
     *
     * @param key the key
     * @return {@code true} if a value was set
     */
    public boolean contains(Key<?> key) {
        return values.containsKey(requireNonNull(key, "key"));
    }

    /**
     * Returns a copy with every value of {@code other} set over this one's.
     *
     * @param other the values that win
     * @return the merged parameters; this one if {@code other} is empty
     */
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
     *
     * @param <V> the type of the value
     * @param key the key
     * @param value the value
     * @return new parameters; this one is unchanged
     * @throws NullPointerException if {@code value} is {@code null}, naming the key
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
     *
     * <pre>{@code
     * static final StackParams.Key<Duration> GRACE = StackParams.Key.of("grace", () -> Duration.ofSeconds(1));
     * }</pre>
     *
     * @param <V> the type of the value
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
         *
         * @param <V> the type of the value
         * @param name the name that messages and {@link #toString()} use
         * @param defaultValue called at each read of an unset key; must not return {@code null}
         * @return a new key, equal to no other
         */
        public static <V> Key<V> of(String name, Supplier<? extends V> defaultValue) {
            return new Key<>(name, defaultValue, false);
        }

        /**
         * A key that must be set: reading it unset fails with a message naming it, and a stack whose layer lists it
         * in {@link Layer#requiredParams()} does not build without it.
         *
         * @param <V> the type of the value
         * @param name the name that messages and {@link #toString()} use
         * @return a new key, equal to no other
         */
        public static <V> Key<V> required(String name) {
            return new Key<>(
                    name,
                    () -> {
                        throw new IllegalStateException("stack parameter '" + name + "' is not set");
                    },
                    true);
        }

        /**
         * Returns whether the key has no default, so that a stack whose layer reads it cannot be built without it.
         *
         * @return {@code true} for a key made by {@link #required(String)}
         */
        public boolean isRequired() {
            return required;
        }

        V defaultValue() {
            return requireNonNull(defaultValue.get(), name);
        }

        /**
         * Returns the name the key was made with.
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
