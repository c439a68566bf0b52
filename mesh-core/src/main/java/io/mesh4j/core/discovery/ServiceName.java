package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The name of a service: a DNS-1123 label, so that it can stand in a host name, a SPIFFE ID and a metric
 * label unchanged.
 */
public record ServiceName(String value) implements Comparable<ServiceName> {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int MAX_LENGTH = 63;

    public ServiceName {
        requireNonNull(value, "value");
        if (value.length() > MAX_LENGTH || !DNS_1123_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "service name: '" + Printable.of(value) + "' (expected: a DNS-1123 label of at most 63 "
                            + "lower-case letters, digits and '-', starting and ending with a letter or digit, "
                            + "such as 'orders')");
        }
    }

    public static ServiceName of(String value) {
        return new ServiceName(value);
    }

    @Override
    public int compareTo(ServiceName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
