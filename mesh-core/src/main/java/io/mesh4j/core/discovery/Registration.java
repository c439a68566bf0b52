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
 */
public record Registration(String host, int port, String zone, int weight, Map<String, String> metadata, Duration ttl) {

    public static final int DEFAULT_WEIGHT = 100;
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofHours(1);

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

    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /**
     * Returns the instance this registration describes, under the given id.
     */
    public Instance toInstance(InstanceId id) {
        return new Instance(id, host, port, zone, weight, metadata);
    }

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

        public Builder zone(String zone) {
            this.zone = requireNonNull(zone, "zone");
            return this;
        }

        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        public Builder metadata(Map<String, String> metadata) {
            this.metadata = requireNonNull(metadata, "metadata");
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = requireNonNull(ttl, "ttl");
            return this;
        }

        public Registration build() {
            return new Registration(host, port, zone, weight, metadata, ttl);
        }
    }
}
