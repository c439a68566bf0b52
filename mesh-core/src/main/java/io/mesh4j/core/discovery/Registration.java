package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;

/**
 * What an instance tells the registry about itself: where it listens and how long the registry should keep it
 * without a heartbeat.
 *
 * <p>Built with {@link #builder(String, int)}; every value is checked here, so that a bad value fails in the
 * process that made it with the same message the registry would answer.
 *
 * <pre>{@code
 * Registration registration = Registration.builder("10.0.0.7", 8080)
 *         .zone("eu-1a")
 *         .metadata(Map.of("version", "v2"))
 *         .build();
 * }</pre>
 *
 * @param host a host name or an IPv4 or IPv6 address (without brackets) where the instance listens
 * @param port the port it listens on, 1 to 65535
 * @param zone the failure domain it runs in, at most 63 letters, digits, {@code .}, {@code _} or {@code -}; empty
 *     when unknown
 * @param weight its relative share of traffic, 1 to 10000
 * @param metadata labels such as {@code version=v2}, with the limits of {@link Instance#metadata()}
 * @param ttl how long the registry keeps the instance without a heartbeat: whole seconds, from 1 s to 1 h
 */
public record Registration(String host, int port, String zone, int weight, Map<String, String> metadata, Duration ttl) {

    /** The weight unless set: 100. */
    public static final int DEFAULT_WEIGHT = 100;
    /** The TTL unless set: 15 seconds. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
    /** The shortest TTL: 1 second. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    /** The longest TTL: 1 hour. */
    public static final Duration MAX_TTL = Duration.ofHours(1);

    /**
     * Checks the components and copies the metadata.
     *
     * @param host see {@link #host()}
     * @param port see {@link #port()}
     * @param zone see {@link #zone()}
     * @param weight see {@link #weight()}
     * @param metadata see {@link #metadata()}
     * @param ttl see {@link #ttl()}
     * @throws NullPointerException if a component is {@code null}, or the metadata holds a {@code null}
     * @throws IllegalArgumentException naming the component that is out of its range
     */
    public Registration {
        InstanceFields.checkHost(host);
        InstanceFields.checkPort(port);
        InstanceFields.checkZone(zone);
        InstanceFields.checkWeight(weight);
        metadata = InstanceFields.checkMetadata(metadata);
        requireNonNull(ttl, "ttl");
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0 || ttl.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("ttlSeconds: " + ttl.toSeconds()
                    + " (expected: a whole number of seconds, 1 to 3600; " + "the default is 15)");
        }
    }

    /**
     * Returns a builder of a registration at {@code host:port}, with no zone, weight {@value #DEFAULT_WEIGHT}, no
     * metadata and a TTL of 15 seconds unless set. The values are checked by {@link Builder#build()}.
     *
     * @param host a host name or an IP address
     * @param port 1 to 65535
     * @return a new builder
     */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /**
     * Returns the instance this registration describes, under the given id.
     *
     * @param id the instance's id
     * @return the instance, with this registration's values but the TTL
     */
    public Instance toInstance(InstanceId id) {
        return new Instance(id, host, port, zone, weight, metadata);
    }

    /** Builds a {@link Registration}; see {@link Registration#builder(String, int)}. */
    public static final class Builder {

        private final String host;
        private final int port;
        private String zone = "";
        private int weight = DEFAULT_WEIGHT;
        private Map<String, String> metadata = Map.of();
        private Duration ttl = DEFAULT_TTL;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /**
         * Sets the failure domain the instance runs in; empty (unknown) unless set.
         *
         * @param zone at most 63 letters, digits, {@code .}, {@code _} or {@code -}, such as {@code eu-1a}
         * @return this builder
         */
        public Builder zone(String zone) {
            this.zone = requireNonNull(zone, "zone");
            return this;
        }

        /**
         * Sets the instance's relative share of traffic; {@value Registration#DEFAULT_WEIGHT} unless set.
         *
         * @param weight 1 to 10000
         * @return this builder
         */
        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        /**
         * Sets the instance's labels, such as {@code version=v2}; none unless set.
         *
         * @param metadata at most 64 entries
         * @return this builder
         */
        public Builder metadata(Map<String, String> metadata) {
            this.metadata = requireNonNull(metadata, "metadata");
            return this;
        }

        /**
         * Sets how long the registry keeps the instance without a heartbeat; 15 seconds unless set.
         *
         * @param ttl whole seconds, from 1 s to 1 h
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = requireNonNull(ttl, "ttl");
            return this;
        }

        /**
         * Returns the registration.
         *
         * @return a new registration
         * @throws NullPointerException if the host is {@code null}
         * @throws IllegalArgumentException naming the value that is out of its range
         */
        public Registration build() {
            return new Registration(host, port, zone, weight, metadata, ttl);
        }
    }
}
