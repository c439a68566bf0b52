package io.mesh4j.spring.autoconfigure;

import static java.util.Objects.requireNonNullElse;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.telemetry.TelemetryConfig;

/**
 * The {@code mesh.*} properties, checked once at start: each problem is a {@link MeshConfigurationException} that
 * names the property to set, so that a misconfigured application stops with a failure analysis, not a stack
 * trace from deep inside. The auto-configuration makes one as the bean {@code meshSettings}.
 */
public final class MeshSettings {

    private final MeshProperties properties;
    private final ServiceName service;
    private final List<URI> registries;
    private final TelemetryConfig telemetry;
    private final ClientPolicySettings clientPolicies;

    private MeshSettings(
            MeshProperties properties,
            ServiceName service,
            List<URI> registries,
            TelemetryConfig telemetry,
            ClientPolicySettings clientPolicies) {
        this.properties = properties;
        this.service = service;
        this.registries = registries;
        this.telemetry = telemetry;
        this.clientPolicies = clientPolicies;
    }

    /**
     * Checks the properties: the service name, the registry's URI (its scheme matching {@code mesh.tls}), with TLS
     * that the join token and trust bundle files can be read, the registration values, the admin port, the
     * telemetry and the client policies.
     *
     * @param properties the bound {@code mesh.*} properties
     * @param environment where {@code spring.application.name} is read when {@code mesh.service} is not set
     * @return the checked settings
     * @throws MeshConfigurationException naming the first property that is wrong and how to set it
     */
    public static MeshSettings check(MeshProperties properties, Environment environment) {
        final ServiceName service = service(properties, environment);
        final List<URI> registries = registries(properties);
        if (properties.isTls()
                && properties.getServiceAccountTokenFile() == null
                && (properties.getStateDir() == null || properties.getJoinTokenFile() != null)) {
            // With a state dir, a restart may need no token: the certificate kept there will do while valid. A pod's
            // service-account token is read at every join, so it need not be there yet at the start.
            readable(
                    properties.getJoinTokenFile(),
                    "mesh.join-token-file",
                    "the join token the operator made for " + service + " (meshctl token create --service " + service
                            + " > " + service + ".token)");
        }
        if (properties.isTls()) {
            readable(
                    properties.getTrustBundleFile(),
                    "mesh.trust-bundle-file",
                    "the registry's roots, <registry data dir>/trust-bundle.pem");
        }
        adminPort(properties.getAdminPort());
        RegistrationSettings.check(properties);
        return new MeshSettings(
                properties,
                service,
                registries,
                telemetry(properties.getTelemetry(), service),
                ClientPolicySettings.check(properties));
    }

    private static ServiceName service(MeshProperties properties, Environment environment) {
        final @Nullable String configured = properties.getService() != null
                ? properties.getService()
                : environment.getProperty("spring.application.name");
        if (configured == null || configured.isBlank()) {
            throw new MeshConfigurationException(
                    "mesh.service",
                    "not set, and neither is spring.application.name",
                    "Set mesh.service (or spring.application.name) to the name of the service this application is, "
                            + "a DNS-1123 label such as orders.");
        }
        try {
            return ServiceName.of(configured);
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    properties.getService() != null ? "mesh.service" : "spring.application.name",
                    requireNonNullElse(e.getMessage(), e.toString()),
                    "Set mesh.service to a DNS-1123 label: lower-case letters, digits and '-', such as orders.");
        }
    }

    /** {@code mesh.registry}: one address, or the addresses of several replicas separated by commas. */
    private static List<URI> registries(MeshProperties properties) {
        final @Nullable String value = properties.getRegistry();
        final String example = properties.isTls() ? "https://registry.internal:7070" : "http://registry.internal:7070";
        if (value == null || value.isBlank()) {
            throw new MeshConfigurationException(
                    "mesh.registry",
                    "not set",
                    "Set mesh.registry to the registry's address, such as " + example
                            + " (or the replicas' addresses separated by commas).");
        }
        final List<URI> uris = new ArrayList<>();
        for (String one : value.split(",", -1)) {
            final URI uri = registry(properties, one, example);
            if (uris.contains(uri)) {
                throw new MeshConfigurationException(
                        "mesh.registry",
                        "'" + value + "' names " + uri + " twice",
                        "Set mesh.registry to each replica's address once, separated by commas.");
            }
            uris.add(uri);
        }
        return List.copyOf(uris);
    }

    private static URI registry(MeshProperties properties, String value, String example) {
        final URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new MeshConfigurationException(
                    "mesh.registry",
                    "'" + value + "' does not parse: " + e.getReason(),
                    "Set mesh.registry to an address such as " + example + '.');
        }
        final String expectedScheme = properties.isTls() ? "https" : "http";
        if (!expectedScheme.equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new MeshConfigurationException(
                    "mesh.registry",
                    "'" + value.strip() + "' is not " + expectedScheme + "://<host>:<port>"
                            + (properties.isTls() ? " (the mesh speaks TLS: mesh.tls is on)" : ""),
                    "Set mesh.registry to an address such as " + example
                            + (properties.isTls() ? ", or mesh.tls=off if the registry runs with --plaintext." : '.'));
        }
        return uri;
    }

    private static void adminPort(@Nullable Integer port) {
        if (port != null && (port < 0 || port > 65_535)) {
            throw new MeshConfigurationException(
                    "mesh.admin-port",
                    port + " is not a port",
                    "Set mesh.admin-port to a port from 1 to 65535, 0 for any free one, "
                            + "or leave it out for no admin endpoint.");
        }
    }

    private static TelemetryConfig telemetry(MeshProperties.Telemetry properties, ServiceName service) {
        // The spans say which service made them, as the registry knows it.
        final TelemetryConfig.Builder config = TelemetryConfig.builder().serviceName(service.value());
        try {
            config.samplingRatio(properties.getSamplingRatio());
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    "mesh.telemetry.sampling-ratio",
                    requireNonNullElse(e.getMessage(), e.toString()),
                    "Set mesh.telemetry.sampling-ratio to a share from 0.0 (no new "
                            + "trace kept) to 1.0 (every one), such as 0.1.");
        }
        try {
            config.reportInterval(properties.getReportInterval());
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    "mesh.telemetry.report-interval",
                    requireNonNullElse(e.getMessage(), e.toString()),
                    "Set mesh.telemetry.report-interval to how often the golden metrics go to the registry, "
                            + "100ms or more, such as 10s; or 0s for no reports.");
        }
        if (properties.getZipkinEndpoint() != null) {
            try {
                config.zipkinEndpoint(properties.getZipkinEndpoint());
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        "mesh.telemetry.zipkin-endpoint",
                        requireNonNullElse(e.getMessage(), e.toString()),
                        "Set mesh.telemetry.zipkin-endpoint to Zipkin's span API, such "
                                + "as http://zipkin:9411/api/v2/spans.");
            }
        }
        if (properties.getOtlpEndpoint() != null) {
            try {
                config.otlpEndpoint(properties.getOtlpEndpoint());
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        "mesh.telemetry.otlp-endpoint",
                        requireNonNullElse(e.getMessage(), e.toString()),
                        "Set mesh.telemetry.otlp-endpoint to an OTLP/HTTP traces "
                                + "endpoint, such as http://collector:4318/v1/traces.");
            }
        }
        return config.build();
    }

    private static Path readable(@Nullable Path file, String property, String what) {
        if (file == null) {
            throw new MeshConfigurationException(
                    property,
                    "not set, and mesh.tls is on",
                    "Set " + property + " to the file with " + what + ", or mesh.tls=off on a trusted network.");
        }
        if (!Files.isReadable(file)) {
            throw new MeshConfigurationException(
                    property, file + " cannot be read", "Set " + property + " to a readable file with " + what + '.');
        }
        return file;
    }

    /**
     * Returns the properties as bound.
     *
     * @return the properties
     */
    public MeshProperties properties() {
        return properties;
    }

    /**
     * Returns the service this application is: {@code mesh.service}, else {@code spring.application.name}.
     *
     * @return the service name
     */
    public ServiceName service() {
        return service;
    }

    /**
     * Returns the registry's URI, from {@code mesh.registry}: of several replicas, the first.
     *
     * @return the URI, {@code https} with TLS and {@code http} without
     */
    public URI registry() {
        return registries.get(0);
    }

    /**
     * Returns every registry replica's URI, from {@code mesh.registry} (a comma-separated list), in its order.
     *
     * @return at least one URI, each {@code https} with TLS and {@code http} without
     */
    public List<URI> registries() {
        return registries;
    }

    /**
     * Returns the telemetry the properties ask for, named after the service.
     *
     * @return the telemetry config, whose {@code serviceName} is the service
     */
    public TelemetryConfig telemetry() {
        return telemetry;
    }

    /** The balancer and the default and per-service policies of the outbound calls. */
    ClientPolicySettings clientPolicies() {
        return clientPolicies;
    }
}
