package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The id of one instance of a service, unique within the service; chosen by the instance, so that it can
 * register again under the same id after a restart of the registry or of itself.
 *
 * @param value 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}, such as {@code orders-7f9c}
 */
public record InstanceId(String value) implements Comparable<InstanceId> {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /**
     * Checks the value.
     *
     * @param value see {@link #value()}
     * @throws NullPointerException if {@code value} is {@code null}
     * @throws IllegalArgumentException if {@code value} is not such an id
     */
    public InstanceId {
        requireNonNull(value, "value");
        if (!ID.matcher(value).matches()) {
            throw new IllegalArgumentException("instance id: '" + Printable.of(value)
                    + "' (expected: 1 to 128 letters, digits, '.', '_' " + "or '-', such as 'orders-7f9c')");
        }
    }

    /**
     * Returns the id of the given value.
     *
     * @param value 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}
     * @return the id
     * @throws IllegalArgumentException if {@code value} is not such an id
     */
    public static InstanceId of(String value) {
        return new InstanceId(value);
    }

    /**
     * Compares the values as strings.
     *
     * @param o the other id
     * @return negative, zero or positive as this id sorts before, with or after {@code o}
     */
    @Override
    public int compareTo(InstanceId o) {
        return value.compareTo(o.value);
    }

    /**
     * Returns the value.
     *
     * @return the id as given
     */
    @Override
    public String toString() {
        return value;
    }
}
