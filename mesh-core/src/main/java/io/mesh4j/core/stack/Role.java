package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The name of the job a {@link Layer} does in a {@link Stack}, such as {@code RETRY}. Users find, insert
 * before, replace or remove a layer by its role, never by its class, so that an implementation can change
 * without breaking anybody's stack.
 */
public final class Role {

    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    private final String name;

    private Role(String name) {
        this.name = name;
    }

    /**
     * Returns the role of the given name, an upper-case identifier such as {@code RATE_LIMIT}.
     */
    public static Role of(String name) {
        requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "role name: " + name + " (expected: upper case letters, digits and '_', such as RATE_LIMIT)");
        }
        return new Role(name);
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Role && ((Role) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
