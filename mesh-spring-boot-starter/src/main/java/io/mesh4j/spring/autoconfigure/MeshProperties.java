package io.mesh4j.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code mesh.*} properties. Three make a Spring Boot application a mesh member: {@code mesh.registry}, and
 * with TLS (the default) {@code mesh.join-token-file} and {@code mesh.trust-bundle-file}; the service name comes
 * from {@code spring.application.name} unless {@code mesh.service} says otherwise.
 */
@ConfigurationProperties("mesh")
public class MeshProperties {

    /** Whether the application joins the mesh at all. */
    private boolean enabled = true;

    /** The registry, such as https://registry.internal:7070. */
    private @Nullable String registry;

    /** The service this application is; spring.application.name unless set. A DNS-1123 label, such as orders. */
    private @Nullable String service;

    /** This instance's id in the registry; the service name and a random suffix unless set. */
    private @Nullable String instanceId;

    /** Whether the mesh speaks mTLS; off only for a trusted network, and the application warns at start. */
    private boolean tls = true;

    /** The join token the operator made for this service (meshctl token create --service <service>). */
    private @Nullable Path joinTokenFile;

    /** The registry's roots, to verify it by: <registry data dir>/trust-bundle.pem. */
    private @Nullable Path trustBundleFile;

    /** The port the mesh server listens on (beside the application's own web server); 0 for any free one. */
    private int port;

    /** The address callers reach this instance at; this host's first non-loopback IPv4 address unless set. */
    private @Nullable String advertisedHost;

    /** The failure domain this instance runs in, such as eu-west-1a. */
    private String zone = "";

    /** This instance's share of traffic relative to the service's other instances, 1 to 10000. */
    private int weight = 100;

    /** Labels of this instance, such as version=v2, that route configs pick subsets by. */
    private Map<String, String> metadata = new LinkedHashMap<>();

    /** How long the registry keeps this instance without a heartbeat. */
    private Duration ttl = Duration.ofSeconds(15);

    /** How long to keep serving after deregistering, so that every caller hears of it first. */
    private Duration drainPeriod = Duration.ofSeconds(2);

    /**
     * The port of the admin endpoint (/metrics in Prometheus format, /stacks, /healthz), apart from the service's
     * own ports so that it can be kept off the service network; 0 for any free one. No admin endpoint unless set.
     */
    private @Nullable Integer adminPort;

    /** What calls to other services do unless a service says otherwise. */
    private final Client client = new Client();

    /** Where this application's traces go, and how many are kept. */
    private final Telemetry telemetry = new Telemetry();

    /** Per called service, what differs from mesh.client, such as mesh.services.orders.timeout=2s. */
    private Map<String, ServicePolicy> services = new LinkedHashMap<>();

    /** Defaults of the outbound calls. */
    public static class Client {

        /** The longest a call may take, every attempt included. */
        private Duration timeout = Duration.ofSeconds(10);

        /** Attempts in all, the first included; 1 turns retries off. */
        private int maxAttempts = 3;

        /** How endpoints are picked: p2c (power of two choices over peak-EWMA), round-robin, weighted-round-robin. */
        private String balancer = "p2c";

        /**
         * With the p2c balancer, how long a newly joined instance takes to ramp up to its full share of traffic,
         * from a tenth of it, so that a cold JVM is warmed by a trickle; 0 (the default) turns slow start off.
         */
        private Duration slowStart = Duration.ZERO;

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public String getBalancer() {
            return balancer;
        }

        public void setBalancer(String balancer) {
            this.balancer = balancer;
        }

        public Duration getSlowStart() {
            return slowStart;
        }

        public void setSlowStart(Duration slowStart) {
            this.slowStart = slowStart;
        }
    }

    /** Traces: where they go and how many are kept. Metrics need nothing here: the admin endpoint serves them. */
    public static class Telemetry {

        /** Zipkin's v2 span API to send every span to, such as http://zipkin:9411/api/v2/spans; none unless set. */
        private @Nullable URI zipkinEndpoint;

        /**
         * An OTLP/HTTP traces endpoint to send every span to, such as http://collector:4318/v1/traces; none unless
         * set.
         */
        private @Nullable URI otlpEndpoint;

        /**
         * The share of new traces kept, 0.0 to 1.0; a request that arrives with its caller's sampling decision keeps
         * that decision.
         */
        private double samplingRatio = 1.0;

        public @Nullable URI getZipkinEndpoint() {
            return zipkinEndpoint;
        }

        public void setZipkinEndpoint(@Nullable URI zipkinEndpoint) {
            this.zipkinEndpoint = zipkinEndpoint;
        }

        public @Nullable URI getOtlpEndpoint() {
            return otlpEndpoint;
        }

        public void setOtlpEndpoint(@Nullable URI otlpEndpoint) {
            this.otlpEndpoint = otlpEndpoint;
        }

        public double getSamplingRatio() {
            return samplingRatio;
        }

        public void setSamplingRatio(double samplingRatio) {
            this.samplingRatio = samplingRatio;
        }
    }

    /** What calls to one service do differently. */
    public static class ServicePolicy {

        /** The longest a call to this service may take; mesh.client.timeout unless set. */
        private @Nullable Duration timeout;

        /** Attempts in all for calls to this service; mesh.client.max-attempts unless set. */
        private @Nullable Integer maxAttempts;

        public @Nullable Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(@Nullable Duration timeout) {
            this.timeout = timeout;
        }

        public @Nullable Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(@Nullable Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public @Nullable String getRegistry() {
        return registry;
    }

    public void setRegistry(@Nullable String registry) {
        this.registry = registry;
    }

    public @Nullable String getService() {
        return service;
    }

    public void setService(@Nullable String service) {
        this.service = service;
    }

    public @Nullable String getInstanceId() {
        return instanceId;
    }

    public void setInstanceId(@Nullable String instanceId) {
        this.instanceId = instanceId;
    }

    public boolean isTls() {
        return tls;
    }

    public void setTls(boolean tls) {
        this.tls = tls;
    }

    public @Nullable Path getJoinTokenFile() {
        return joinTokenFile;
    }

    public void setJoinTokenFile(@Nullable Path joinTokenFile) {
        this.joinTokenFile = joinTokenFile;
    }

    public @Nullable Path getTrustBundleFile() {
        return trustBundleFile;
    }

    public void setTrustBundleFile(@Nullable Path trustBundleFile) {
        this.trustBundleFile = trustBundleFile;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public @Nullable String getAdvertisedHost() {
        return advertisedHost;
    }

    public void setAdvertisedHost(@Nullable String advertisedHost) {
        this.advertisedHost = advertisedHost;
    }

    public String getZone() {
        return zone;
    }

    public void setZone(String zone) {
        this.zone = zone;
    }

    public int getWeight() {
        return weight;
    }

    public void setWeight(int weight) {
        this.weight = weight;
    }

    public Map<String, String> getMetadata() {
        return metadata;
    }

    public void setMetadata(Map<String, String> metadata) {
        this.metadata = metadata;
    }

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public Duration getDrainPeriod() {
        return drainPeriod;
    }

    public void setDrainPeriod(Duration drainPeriod) {
        this.drainPeriod = drainPeriod;
    }

    public @Nullable Integer getAdminPort() {
        return adminPort;
    }

    public void setAdminPort(@Nullable Integer adminPort) {
        this.adminPort = adminPort;
    }

    public Client getClient() {
        return client;
    }

    public Telemetry getTelemetry() {
        return telemetry;
    }

    public Map<String, ServicePolicy> getServices() {
        return services;
    }

    public void setServices(Map<String, ServicePolicy> services) {
        this.services = services;
    }
}
