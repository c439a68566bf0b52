package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The name of a service: a DNS-1123 label, so that it can stand in a host name, a SPIFFE ID and a metric
 * label unchanged.
 *
 * @param value 1 to 63 lower-case letters, digits and {@code -}, starting and ending with a letter or digit, such
 *     as {@code orders}
 */
public record ServiceName(String value) implements Comparable<ServiceName> {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int MAX_LENGTH = 63;

    /**
     * Checks the value.
     *
     * @param value see {@link #value()}
     * @throws NullPointerException if {@code value} is {@code null}
     * @throws IllegalArgumentException if {@code value} is not a DNS-1123 label, saying why
     */
    public ServiceName {
        requireNonNull(value, "value");
        if (value.length() > MAX_LENGTH || !DNS_1123_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "service name: '" + Printable.of(value) + "' (expected: a DNS-1123 label of at most 63 "
                            + "lower-case letters, digits and '-', starting and ending with a letter or digit, "
                            + "such as 'orders')");
        }
    }

    /**
     * Returns the service name of the given value.
     *
     * @param value a DNS-1123 label, such as {@code "orders"}
     * @return the name
     * @throws IllegalArgumentException if {@code value} is not a DNS-1123 label, saying why
     */
    public static ServiceName of(String value) {
        return new ServiceName(value);
    }

    /**
     * Compares the values as strings.
     *
     * @param o the other name
     * @return negative, zero or positive as this name sorts before, with or after {@code o}
     */
    @Override
    public int compareTo(ServiceName o) {
        return value.compareTo(o.value);
    }

    /**
     * Returns the value.
     *
     * @return the name as given
     */
    @Override
    public String toString() {
        return value;
    }
}
