package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.netty.util.NetUtil;

/** The checks that an instance's fields pass, shared by {@link Instance} and {@link Registration}. */
final class InstanceFields {

    static final int MAX_WEIGHT = 10_000;
    static final int MAX_METADATA_ENTRIES = 64;
    static final int MAX_METADATA_VALUE_LENGTH = 1024;

    private static final Pattern HOST_NAME =
            Pattern.compile("(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)"
                    + "(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9._-]{0,63}");
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9._/-]{1,63}");

    static void checkHost(String host) {
        requireNonNull(host, "host");
        if (!HOST_NAME.matcher(host).matches()
                && !NetUtil.isValidIpV4Address(host)
                && !NetUtil.isValidIpV6Address(host)) {
            throw new IllegalArgumentException(
                    "host: '" + Printable.of(host) + "' (expected: a host name such as 'orders-1.internal', "
                            + "or an IPv4 or IPv6 address without brackets)");
        }
    }

    static void checkPort(int port) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
    }

    static void checkZone(String zone) {
        requireNonNull(zone, "zone");
        if (!ZONE.matcher(zone).matches()) {
            throw new IllegalArgumentException("zone: '" + Printable.of(zone)
                    + "' (expected: at most 63 letters, digits, '.', '_' or '-', " + "such as 'eu-west-1a', or empty)");
        }
    }

    static void checkWeight(int weight) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1.." + MAX_WEIGHT
                    + "; the default is " + Registration.DEFAULT_WEIGHT + ')');
        }
    }

    /** Checks the metadata and returns an immutable copy sorted by key, so that equal maps print alike. */
    static Map<String, String> checkMetadata(Map<String, String> metadata) {
        requireNonNull(metadata, "metadata");
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            throw new IllegalArgumentException(
                    "metadata: " + metadata.size() + " entries (expected: at most " + MAX_METADATA_ENTRIES + ')');
        }
        final TreeMap<String, String> sorted = new TreeMap<>();
        metadata.forEach((key, value) -> {
            requireNonNull(key, "metadata key");
            if (!METADATA_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("metadata key: '" + Printable.of(key)
                        + "' (expected: 1 to 63 letters, digits, '.', '_', " + "'/' or '-')");
            }
            requireNonNull(value, () -> "metadata." + key);
            if (value.length() > MAX_METADATA_VALUE_LENGTH) {
                throw new IllegalArgumentException("metadata." + key + ": " + value.length()
                        + " characters (expected: at most "
                        + MAX_METADATA_VALUE_LENGTH + ')');
            }
            sorted.put(key, value);
        });
        return Collections.unmodifiableMap(sorted);
    }

    private InstanceFields() {}
}
