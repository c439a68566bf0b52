package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The id of one instance of a service, unique within the service; chosen by the instance, so that it can
 * register again under the same id after a restart of the registry or of itself.
 */
public record InstanceId(String value) implements Comparable<InstanceId> {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public InstanceId {
        requireNonNull(value, "value");
        if (!ID.matcher(value).matches()) {
            throw new IllegalArgumentException("instance id: '" + Printable.of(value)
                    + "' (expected: 1 to 128 letters, digits, '.', '_' " + "or '-', such as 'orders-7f9c')");
        }
    }

    public static InstanceId of(String value) {
        return new InstanceId(value);
    }

    @Override
    public int compareTo(InstanceId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
