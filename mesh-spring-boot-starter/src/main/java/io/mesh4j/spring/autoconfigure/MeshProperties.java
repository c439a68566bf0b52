package io.mesh4j.spring.autoconfigure;

import java.net.InetAddress;
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
 *
 * <pre>
 * mesh.registry=https://registry.internal:7070
 * mesh.join-token-file=/etc/mesh/orders.token
 * mesh.trust-bundle-file=/etc/mesh/trust-bundle.pem
 * mesh.client.timeout=2s
 * mesh.services.inventory.max-attempts=1
 * </pre>
 *
 * <p>The setters store what they are given; {@link MeshSettings#check} checks every value when the application
 * starts, and a value out of its range stops it with a failure analysis naming the property.
 */
@ConfigurationProperties("mesh")
public class MeshProperties {

    /** Whether the application joins the mesh at all. */
    private boolean enabled = true;

    /** The registry, such as https://registry.internal:7070; replicas separated by commas. */
    private @Nullable String registry;

    /** The service this application is; spring.application.name unless set. A DNS-1123 label, such as orders. */
    private @Nullable String service;

    /** This instance's id in the registry; the service name and a random suffix unless set. */
    private @Nullable String instanceId;

    /** Whether the mesh speaks mTLS; off only for a trusted network, and the application warns at start. */
    private boolean tls = true;

    /** The join token the operator made for this service (meshctl token create --service <service>). */
    private @Nullable Path joinTokenFile;

    /**
     * On Kubernetes, instead of a join token: the pod's projected service-account token (audience mesh4j), which
     * the registry reviews with the API server.
     */
    private @Nullable Path serviceAccountTokenFile;

    /** The registry's roots, to verify it by: <registry data dir>/trust-bundle.pem. */
    private @Nullable Path trustBundleFile;

    /**
     * Where this instance keeps its last-known-good state (certificate and key, trust state, endpoints, route
     * configs, policies), to restart from it without a join token and while the registry is unreachable; one
     * directory per instance. None unless set.
     */
    private @Nullable Path stateDir;

    /** How old the state in mesh.state-dir may be, while the instance runs from it, before the health calls it stale. */
    private Duration stateBudget = Duration.ofHours(1);

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

    /**
     * The address the admin endpoint listens on: 127.0.0.1 unless set, so that only this machine reaches it. Set it
     * to an address that a Prometheus on another host can reach (0.0.0.0 for every interface) only where the network
     * keeps others off that port: the endpoint asks no credentials.
     */
    private @Nullable InetAddress adminAddress;

    /** What calls to other services do unless a service says otherwise. */
    private final Client client = new Client();

    /** Where this application's traces go, and how many are kept. */
    private final Telemetry telemetry = new Telemetry();

    /** Per called service, what differs from mesh.client, such as mesh.services.orders.timeout=2s. */
    private Map<String, ServicePolicy> services = new LinkedHashMap<>();

    /** Loopback ports whose connections go through the mesh to a TCP service, by the service's name. */
    private Map<String, TcpForward> tcpForward = new LinkedHashMap<>();

    /** One {@code mesh.tcp-forward.<service>}. */
    public static class TcpForward {

        /** The loopback port to listen on, 0 for any free one. */
        private int port;

        /** How long a connection may carry no byte before it is closed; the forward's default unless set. */
        private @Nullable Duration idleTimeout;

        /**
         * Returns {@code mesh.tcp-forward.<service>.port}: the loopback port to listen on.
         *
         * @return 0 to 65535, 0 for any free one; 0 unless set
         */
        public int getPort() {
            return port;
        }

        /**
         * Sets {@code mesh.tcp-forward.<service>.port}: the loopback port to listen on.
         *
         * @param port 0 to 65535, 0 for any free one
         */
        public void setPort(int port) {
            this.port = port;
        }

        /**
         * Returns {@code mesh.tcp-forward.<service>.idle-timeout}: how long a connection may carry no byte before the
         * forward closes it.
         *
         * @return zero for none, else at least 100 ms; null unless set, for the forward's default of 1 hour
         */
        public @Nullable Duration getIdleTimeout() {
            return idleTimeout;
        }

        /**
         * Sets {@code mesh.tcp-forward.<service>.idle-timeout}, such as {@code 10m}.
         *
         * @param idleTimeout zero for none, else at least 100 ms
         */
        public void setIdleTimeout(@Nullable Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }
    }

    /** Defaults of the outbound calls: {@code mesh.client.*}. */
    public static class Client {

        /** The longest a call may take, every attempt included. */
        private Duration timeout = Duration.ofSeconds(10);

        /** The longest a gRPC stream (client, server or bidirectional) may last; none unless set. */
        private @Nullable Duration streamTimeout;

        /** Attempts in all, the first included; 1 turns retries off. */
        private int maxAttempts = 3;

        /** How endpoints are picked: p2c (power of two choices over peak-EWMA), round-robin, weighted-round-robin. */
        private String balancer = "p2c";

        /**
         * With the p2c balancer, how long a newly joined instance takes to ramp up to its full share of traffic,
         * from a tenth of it, so that a cold JVM is warmed by a trickle; 0 (the default) turns slow start off.
         */
        private Duration slowStart = Duration.ZERO;

        /**
         * How long a WebSocket connection may go without a frame from its server before the mesh pings it (and
         * again each such interval while it stays idle), so that idle connections stay open through NATs and load
         * balancers; 0 for no pings, else at least 100ms.
         */
        private Duration websocketPingInterval = Duration.ofSeconds(30);

        /**
         * Returns {@code mesh.client.timeout}: the longest a call may take, every attempt included.
         *
         * @return a duration {@code > 0}; 10 seconds unless set
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets {@code mesh.client.timeout}: the longest a call may take, every attempt included.
         *
         * @param timeout a duration {@code > 0}; 10 seconds unless set
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        /**
         * Returns {@code mesh.client.stream-timeout}: the longest a gRPC stream may last; {@code timeout} is for
         * unary calls and requests.
         *
         * @return a duration {@code > 0}; {@code null}, no mesh timeout for streams, unless set
         */
        public @Nullable Duration getStreamTimeout() {
            return streamTimeout;
        }

        /**
         * Sets {@code mesh.client.stream-timeout}: the longest a gRPC stream may last.
         *
         * @param streamTimeout a duration {@code > 0}; {@code null} for no mesh timeout on streams
         */
        public void setStreamTimeout(@Nullable Duration streamTimeout) {
            this.streamTimeout = streamTimeout;
        }

        /**
         * Returns {@code mesh.client.max-attempts}: attempts in all, the first included; 1 turns retries off.
         *
         * @return 1 to 10; 3 unless set
         */
        public int getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Sets {@code mesh.client.max-attempts}: attempts in all, the first included; 1 turns retries off.
         *
         * @param maxAttempts 1 to 10; 3 unless set
         */
        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /**
         * Returns {@code mesh.client.balancer}: how endpoints are picked.
         *
         * @return {@code p2c} (the default), {@code round-robin} or {@code weighted-round-robin}
         */
        public String getBalancer() {
            return balancer;
        }

        /**
         * Sets {@code mesh.client.balancer}: how endpoints are picked.
         *
         * @param balancer {@code p2c} (the default), {@code round-robin} or {@code weighted-round-robin}
         */
        public void setBalancer(String balancer) {
            this.balancer = balancer;
        }

        /**
         * Returns {@code mesh.client.slow-start}: with the p2c balancer, how long a newly joined instance takes to ramp up to its full share of traffic.
         *
         * @return a duration {@code >= 0}; zero (no slow start) unless set
         */
        public Duration getSlowStart() {
            return slowStart;
        }

        /**
         * Sets {@code mesh.client.slow-start}: with the p2c balancer, how long a newly joined instance takes to ramp up to its full share of traffic.
         *
         * @param slowStart a duration {@code >= 0}; zero (no slow start) unless set
         */
        public void setSlowStart(Duration slowStart) {
            this.slowStart = slowStart;
        }

        /**
         * Returns {@code mesh.client.websocket-ping-interval}: how long a WebSocket connection may go without a frame
         * from its server before the mesh pings it.
         *
         * @return 0 for no pings, else at least 100 ms; 30 seconds unless set
         */
        public Duration getWebsocketPingInterval() {
            return websocketPingInterval;
        }

        /**
         * Sets {@code mesh.client.websocket-ping-interval}: how long a WebSocket connection may go without a frame
         * from its server before the mesh pings it.
         *
         * @param websocketPingInterval 0 for no pings, else at least 100 ms
         */
        public void setWebsocketPingInterval(Duration websocketPingInterval) {
            this.websocketPingInterval = websocketPingInterval;
        }
    }

    /**
     * Traces: where they go and how many are kept, {@code mesh.telemetry.*}. Metrics need nothing here: the admin
     * endpoint serves them.
     */
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

        /**
         * How often the application reports its golden-metric summaries to the registry, for meshctl stat, edges and
         * top; 0s reports nothing.
         */
        private Duration reportInterval = Duration.ofSeconds(10);

        /**
         * Returns {@code mesh.telemetry.report-interval}: how often the golden-metric summaries go to the registry.
         *
         * @return 10 seconds unless set; zero for no reports
         */
        public Duration getReportInterval() {
            return reportInterval;
        }

        /**
         * Sets {@code mesh.telemetry.report-interval}: how often the golden-metric summaries go to the registry.
         *
         * @param reportInterval at least 100 ms, or 0s for no reports
         */
        public void setReportInterval(Duration reportInterval) {
            this.reportInterval = reportInterval;
        }

        /**
         * Returns {@code mesh.telemetry.zipkin-endpoint}: Zipkin's v2 span API to send every span to.
         *
         * @return an http or https URI such as {@code http://zipkin:9411/api/v2/spans}; {@code null} (no export) unless set
         */
        public @Nullable URI getZipkinEndpoint() {
            return zipkinEndpoint;
        }

        /**
         * Sets {@code mesh.telemetry.zipkin-endpoint}: Zipkin's v2 span API to send every span to.
         *
         * @param zipkinEndpoint an http or https URI such as {@code http://zipkin:9411/api/v2/spans}; {@code null} (no export) unless set
         */
        public void setZipkinEndpoint(@Nullable URI zipkinEndpoint) {
            this.zipkinEndpoint = zipkinEndpoint;
        }

        /**
         * Returns {@code mesh.telemetry.otlp-endpoint}: an OTLP/HTTP traces endpoint to send every span to.
         *
         * @return an http or https URI such as {@code http://collector:4318/v1/traces}; {@code null} (no export) unless set
         */
        public @Nullable URI getOtlpEndpoint() {
            return otlpEndpoint;
        }

        /**
         * Sets {@code mesh.telemetry.otlp-endpoint}: an OTLP/HTTP traces endpoint to send every span to.
         *
         * @param otlpEndpoint an http or https URI such as {@code http://collector:4318/v1/traces}; {@code null} (no export) unless set
         */
        public void setOtlpEndpoint(@Nullable URI otlpEndpoint) {
            this.otlpEndpoint = otlpEndpoint;
        }

        /**
         * Returns {@code mesh.telemetry.sampling-ratio}: the share of new traces kept.
         *
         * @return 0.0 to 1.0; 1.0 unless set
         */
        public double getSamplingRatio() {
            return samplingRatio;
        }

        /**
         * Sets {@code mesh.telemetry.sampling-ratio}: the share of new traces kept.
         *
         * @param samplingRatio 0.0 to 1.0; 1.0 unless set
         */
        public void setSamplingRatio(double samplingRatio) {
            this.samplingRatio = samplingRatio;
        }
    }

    /** What calls to one service do differently: {@code mesh.services.<service>.*}. */
    public static class ServicePolicy {

        /** The longest a call to this service may take; mesh.client.timeout unless set. */
        private @Nullable Duration timeout;

        /** The longest a gRPC stream to this service may last; mesh.client.stream-timeout unless set. */
        private @Nullable Duration streamTimeout;

        /** Attempts in all for calls to this service; mesh.client.max-attempts unless set. */
        private @Nullable Integer maxAttempts;

        /**
         * Where this service's endpoints come from: registry (the default), static:host:port,host:port,
         * dns:hostname:port, dns+srv:_service._proto.name, or kubernetes:service.namespace:port-name (with
         * mesh-kubernetes on the class path).
         */
        private @Nullable String discovery;

        /**
         * How calls to this service are carried: mesh (mTLS with mesh members, the default), tls (plain TLS to a
         * service outside the mesh) or plaintext (outside the mesh, unencrypted).
         */
        private @Nullable String transport;

        /**
         * Returns {@code mesh.services.<service>.timeout}: the longest a call to this service may take.
         *
         * @return a duration {@code > 0}; {@code null} for {@code mesh.client.timeout}
         */
        public @Nullable Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets {@code mesh.services.<service>.timeout}: the longest a call to this service may take.
         *
         * @param timeout a duration {@code > 0}; {@code null} for {@code mesh.client.timeout}
         */
        public void setTimeout(@Nullable Duration timeout) {
            this.timeout = timeout;
        }

        /**
         * Returns {@code mesh.services.<service>.stream-timeout}: the longest a gRPC stream to this service may last.
         *
         * @return a duration {@code > 0}; {@code null} for {@code mesh.client.stream-timeout}
         */
        public @Nullable Duration getStreamTimeout() {
            return streamTimeout;
        }

        /**
         * Sets {@code mesh.services.<service>.stream-timeout}: the longest a gRPC stream to this service may last.
         *
         * @param streamTimeout a duration {@code > 0}; {@code null} for {@code mesh.client.stream-timeout}
         */
        public void setStreamTimeout(@Nullable Duration streamTimeout) {
            this.streamTimeout = streamTimeout;
        }

        /**
         * Returns {@code mesh.services.<service>.max-attempts}: attempts in all for calls to this service.
         *
         * @return 1 to 10; {@code null} for {@code mesh.client.max-attempts}
         */
        public @Nullable Integer getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Sets {@code mesh.services.<service>.max-attempts}: attempts in all for calls to this service.
         *
         * @param maxAttempts 1 to 10; {@code null} for {@code mesh.client.max-attempts}
         */
        public void setMaxAttempts(@Nullable Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /**
         * Returns {@code mesh.services.<service>.discovery}: where this service's endpoints come from.
         *
         * @return such as {@code kubernetes:payments.prod:http}; {@code null} for the registry
         */
        public @Nullable String getDiscovery() {
            return discovery;
        }

        /**
         * Sets {@code mesh.services.<service>.discovery}: where this service's endpoints come from.
         *
         * @param discovery such as {@code kubernetes:payments.prod:http}; {@code null} for the registry
         */
        public void setDiscovery(@Nullable String discovery) {
            this.discovery = discovery;
        }

        /**
         * Returns {@code mesh.services.<service>.transport}: how calls to this service are carried.
         *
         * @return {@code mesh}, {@code tls} or {@code plaintext}; {@code null} for {@code mesh}
         */
        public @Nullable String getTransport() {
            return transport;
        }

        /**
         * Sets {@code mesh.services.<service>.transport}: how calls to this service are carried.
         *
         * @param transport {@code mesh}, {@code tls} or {@code plaintext}; {@code null} for {@code mesh}
         */
        public void setTransport(@Nullable String transport) {
            this.transport = transport;
        }
    }

    /**
     * Returns {@code mesh.enabled}: whether the application joins the mesh at all.
     *
     * @return {@code true} unless set
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets {@code mesh.enabled}: whether the application joins the mesh at all.
     *
     * @param enabled {@code true} unless set
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Returns {@code mesh.registry}: the registry, or its replicas separated by commas.
     *
     * @return {@code https://host:port} with TLS, {@code http://host:port} without, or several such separated by
     *     commas; required
     */
    public @Nullable String getRegistry() {
        return registry;
    }

    /**
     * Sets {@code mesh.registry}: the registry, or its replicas separated by commas (replicas over one etcd; the
     * member talks to the first until it fails, then to the next).
     *
     * @param registry {@code https://host:port} with TLS, {@code http://host:port} without, or several such
     *     separated by commas; required
     */
    public void setRegistry(@Nullable String registry) {
        this.registry = registry;
    }

    /**
     * Returns {@code mesh.service}: the service this application is.
     *
     * @return a DNS-1123 label such as {@code orders}; {@code null} for {@code spring.application.name}
     */
    public @Nullable String getService() {
        return service;
    }

    /**
     * Sets {@code mesh.service}: the service this application is.
     *
     * @param service a DNS-1123 label such as {@code orders}; {@code null} for {@code spring.application.name}
     */
    public void setService(@Nullable String service) {
        this.service = service;
    }

    /**
     * Returns {@code mesh.instance-id}: this instance's id in the registry.
     *
     * @return 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}; {@code null} for the service name and a random suffix
     */
    public @Nullable String getInstanceId() {
        return instanceId;
    }

    /**
     * Sets {@code mesh.instance-id}: this instance's id in the registry.
     *
     * @param instanceId 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}; {@code null} for the service name and a random suffix
     */
    public void setInstanceId(@Nullable String instanceId) {
        this.instanceId = instanceId;
    }

    /**
     * Returns {@code mesh.tls}: whether the mesh speaks mTLS.
     *
     * @return {@code true} unless set
     */
    public boolean isTls() {
        return tls;
    }

    /**
     * Sets {@code mesh.tls}: whether the mesh speaks mTLS.
     *
     * @param tls {@code true} unless set
     */
    public void setTls(boolean tls) {
        this.tls = tls;
    }

    /**
     * Returns {@code mesh.join-token-file}: the file with the join token the operator made for this service.
     *
     * @return a readable file, required with TLS unless {@code mesh.state-dir} is set; {@code null} unless set
     */
    public @Nullable Path getJoinTokenFile() {
        return joinTokenFile;
    }

    /**
     * Sets {@code mesh.join-token-file}: the file with the join token the operator made for this service.
     *
     * @param joinTokenFile a readable file, required with TLS; {@code null} unless set
     */
    public void setJoinTokenFile(@Nullable Path joinTokenFile) {
        this.joinTokenFile = joinTokenFile;
    }

    /**
     * Returns {@code mesh.service-account-token-file}: on Kubernetes, the pod's projected service-account token
     * (audience {@code mesh4j}) that the workload joins with instead of a join token; read at every join.
     *
     * @return the file, such as {@code /var/run/secrets/mesh4j/token}; {@code null} unless set
     */
    public @Nullable Path getServiceAccountTokenFile() {
        return serviceAccountTokenFile;
    }

    /**
     * Sets {@code mesh.service-account-token-file}; see {@link #getServiceAccountTokenFile()}.
     *
     * @param serviceAccountTokenFile the file the pod's projected token volume puts the token in
     */
    public void setServiceAccountTokenFile(@Nullable Path serviceAccountTokenFile) {
        this.serviceAccountTokenFile = serviceAccountTokenFile;
    }

    /**
     * Returns {@code mesh.trust-bundle-file}: the file with the registry's roots in PEM.
     *
     * @return a readable file, required with TLS; {@code null} unless set
     */
    public @Nullable Path getTrustBundleFile() {
        return trustBundleFile;
    }

    /**
     * Sets {@code mesh.trust-bundle-file}: the file with the registry's roots in PEM.
     *
     * @param trustBundleFile a readable file, required with TLS; {@code null} unless set
     */
    public void setTrustBundleFile(@Nullable Path trustBundleFile) {
        this.trustBundleFile = trustBundleFile;
    }

    /**
     * Returns {@code mesh.state-dir}: where this instance keeps its last-known-good state.
     *
     * @return a directory of this instance's own; {@code null} unless set
     */
    public @Nullable Path getStateDir() {
        return stateDir;
    }

    /**
     * Sets {@code mesh.state-dir}: where this instance keeps its last-known-good state (its certificate and key, the
     * trust state, and what it heard from the registry), so that a restart needs no new join token while its
     * certificate is valid, and starts while the registry is unreachable. One directory per instance.
     *
     * @param stateDir a directory of this instance's own, made if missing; {@code null} for none
     */
    public void setStateDir(@Nullable Path stateDir) {
        this.stateDir = stateDir;
    }

    /**
     * Returns {@code mesh.state-budget}: how old the state in {@code mesh.state-dir} may be, while the instance runs
     * from it, before the {@code mesh} health calls it stale.
     *
     * @return more than zero; one hour unless set
     */
    public Duration getStateBudget() {
        return stateBudget;
    }

    /**
     * Sets {@code mesh.state-budget}: how old the state in {@code mesh.state-dir} may be, while the instance runs from
     * it (restarted while the registry is away), before the {@code mesh} health calls it stale. Traffic keeps flowing
     * either way.
     *
     * @param stateBudget more than zero
     */
    public void setStateBudget(Duration stateBudget) {
        this.stateBudget = stateBudget;
    }

    /**
     * Returns {@code mesh.port}: the port the mesh server listens on, beside the application's own web server.
     *
     * @return 0 to 65535; 0 (any free port) unless set
     */
    public int getPort() {
        return port;
    }

    /**
     * Sets {@code mesh.port}: the port the mesh server listens on, beside the application's own web server.
     *
     * @param port 0 to 65535; 0 (any free port) unless set
     */
    public void setPort(int port) {
        this.port = port;
    }

    /**
     * Returns {@code mesh.advertised-host}: the address callers reach this instance at.
     *
     * @return a host name or IP address; {@code null} for this host's first non-loopback IPv4 address
     */
    public @Nullable String getAdvertisedHost() {
        return advertisedHost;
    }

    /**
     * Sets {@code mesh.advertised-host}: the address callers reach this instance at.
     *
     * @param advertisedHost a host name or IP address; {@code null} for this host's first non-loopback IPv4 address
     */
    public void setAdvertisedHost(@Nullable String advertisedHost) {
        this.advertisedHost = advertisedHost;
    }

    /**
     * Returns {@code mesh.zone}: the failure domain this instance runs in, which its calls prefer too.
     *
     * @return at most 63 letters, digits, {@code .}, {@code _} or {@code -}; empty (none) unless set
     */
    public String getZone() {
        return zone;
    }

    /**
     * Sets {@code mesh.zone}: the failure domain this instance runs in, which its calls prefer too.
     *
     * @param zone at most 63 letters, digits, {@code .}, {@code _} or {@code -}; empty (none) unless set
     */
    public void setZone(String zone) {
        this.zone = zone;
    }

    /**
     * Returns {@code mesh.weight}: this instance's share of traffic relative to the service's other instances.
     *
     * @return 1 to 10000; 100 unless set
     */
    public int getWeight() {
        return weight;
    }

    /**
     * Sets {@code mesh.weight}: this instance's share of traffic relative to the service's other instances.
     *
     * @param weight 1 to 10000; 100 unless set
     */
    public void setWeight(int weight) {
        this.weight = weight;
    }

    /**
     * Returns {@code mesh.metadata}: labels of this instance, such as {@code version=v2}, that route configs pick subsets by.
     *
     * @return the labels, a live map; empty unless set
     */
    public Map<String, String> getMetadata() {
        return metadata;
    }

    /**
     * Sets {@code mesh.metadata}: labels of this instance, such as {@code version=v2}, that route configs pick subsets by.
     *
     * @param metadata the labels, a live map; empty unless set
     */
    public void setMetadata(Map<String, String> metadata) {
        this.metadata = metadata;
    }

    /**
     * Returns {@code mesh.ttl}: how long the registry keeps this instance without a heartbeat.
     *
     * @return whole seconds from 1 s to 1 h; 15 seconds unless set
     */
    public Duration getTtl() {
        return ttl;
    }

    /**
     * Sets {@code mesh.ttl}: how long the registry keeps this instance without a heartbeat.
     *
     * @param ttl whole seconds from 1 s to 1 h; 15 seconds unless set
     */
    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    /**
     * Returns {@code mesh.drain-period}: how long to keep serving after deregistering.
     *
     * @return a duration {@code >= 0}; 2 seconds unless set
     */
    public Duration getDrainPeriod() {
        return drainPeriod;
    }

    /**
     * Sets {@code mesh.drain-period}: how long to keep serving after deregistering.
     *
     * @param drainPeriod a duration {@code >= 0}; 2 seconds unless set
     */
    public void setDrainPeriod(Duration drainPeriod) {
        this.drainPeriod = drainPeriod;
    }

    /**
     * Returns {@code mesh.admin-port}: the port of the admin endpoint.
     *
     * @return 0 to 65535, 0 for any free one; {@code null} (no admin endpoint) unless set
     */
    public @Nullable Integer getAdminPort() {
        return adminPort;
    }

    /**
     * Sets {@code mesh.admin-port}: the port of the admin endpoint.
     *
     * @param adminPort 0 to 65535, 0 for any free one; {@code null} (no admin endpoint) unless set
     */
    public void setAdminPort(@Nullable Integer adminPort) {
        this.adminPort = adminPort;
    }

    /**
     * Returns {@code mesh.admin-address}: the address the admin endpoint listens on.
     *
     * @return the address; {@code null} (127.0.0.1) unless set
     */
    public @Nullable InetAddress getAdminAddress() {
        return adminAddress;
    }

    /**
     * Sets {@code mesh.admin-address}: the address the admin endpoint listens on.
     *
     * @param adminAddress an address of this machine; {@code null} (127.0.0.1) unless set
     */
    public void setAdminAddress(@Nullable InetAddress adminAddress) {
        this.adminAddress = adminAddress;
    }

    /**
     * Returns {@code mesh.client}: what calls to other services do unless a service says otherwise.
     *
     * @return the client defaults, never {@code null}
     */
    public Client getClient() {
        return client;
    }

    /**
     * Returns {@code mesh.telemetry}: where this application's traces go, and how many are kept.
     *
     * @return the telemetry settings, never {@code null}
     */
    public Telemetry getTelemetry() {
        return telemetry;
    }

    /**
     * Returns {@code mesh.services}: per called service, what differs from {@code mesh.client}.
     *
     * @return a live map from service name to its policy; empty unless set
     */
    public Map<String, ServicePolicy> getServices() {
        return services;
    }

    /**
     * Sets {@code mesh.services}: per called service, what differs from {@code mesh.client}.
     *
     * @param services a live map from service name to its policy; empty unless set
     */
    public void setServices(Map<String, ServicePolicy> services) {
        this.services = services;
    }

    /**
     * Returns {@code mesh.tcp-forward}: loopback ports whose connections go through the mesh to a TCP service, by
     * the service's name, such as {@code mesh.tcp-forward.redis.port=6380}.
     *
     * @return the forwards, a live map; empty unless set
     */
    public Map<String, TcpForward> getTcpForward() {
        return tcpForward;
    }

    /**
     * Sets {@code mesh.tcp-forward}: loopback ports whose connections go through the mesh to a TCP service.
     *
     * @param tcpForward the forwards, by service name
     */
    public void setTcpForward(Map<String, TcpForward> tcpForward) {
        this.tcpForward = tcpForward;
    }
}
