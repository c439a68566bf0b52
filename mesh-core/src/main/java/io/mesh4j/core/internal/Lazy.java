package io.mesh4j.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * A value made at its first use, once, by whichever thread asks first: for what a workload may never need and
 * should not pay for at its start, such as a Caffeine cache of what it refuses or limits (a bounded or expiring
 * Caffeine cache is some 80 classes, its generated node classes found by reflection).
 *
 * @param <T> the value
 */
public final class Lazy<T> implements Supplier<T> {

    private @Nullable Supplier<? extends T> make;
    private volatile @Nullable T value;

    private Lazy(Supplier<? extends T> make) {
        this.make = make;
    }

    /** A value that {@code make} makes at the first {@link #get()}. */
    public static <T> Lazy<T> of(Supplier<? extends T> make) {
        return new Lazy<>(requireNonNull(make, "make"));
    }

    @Override
    public T get() {
        final @Nullable T made = value;
        return made != null ? made : make();
    }

    private synchronized T make() {
        @Nullable T made = value;
        if (made == null) {
            made = requireNonNull(requireNonNull(make, "make").get(), "made");
            value = made;
            make = null;
        }
        return made;
    }
}
