package io.mesh4j.spring.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

import io.mesh4j.core.discovery.ServiceName;

/**
 * The {@code mesh.*} properties, checked once at start: each problem is a {@link MeshConfigurationException} that
 * names the property to set, so that a misconfigured application stops with a failure analysis, not a stack
 * trace from deep inside.
 */
public final class MeshSettings {

    private final MeshProperties properties;
    private final ServiceName service;
    private final URI registry;

    private MeshSettings(MeshProperties properties, ServiceName service, URI registry) {
        this.properties = properties;
        this.service = service;
        this.registry = registry;
    }

    public static MeshSettings check(MeshProperties properties, Environment environment) {
        final ServiceName service = service(properties, environment);
        final URI registry = registry(properties);
        if (properties.isTls()) {
            readable(properties.getJoinTokenFile(), "mesh.join-token-file",
                     "the join token the operator made for " + service + " (meshctl token create --service "
                     + service + " > " + service + ".token)");
            readable(properties.getTrustBundleFile(), "mesh.trust-bundle-file",
                     "the registry's roots, <registry data dir>/trust-bundle.pem");
        }
        return new MeshSettings(properties, service, registry);
    }

    private static ServiceName service(MeshProperties properties, Environment environment) {
        final @Nullable String configured = properties.getService() != null
                                            ? properties.getService()
                                            : environment.getProperty("spring.application.name");
        if (configured == null || configured.isBlank()) {
            throw new MeshConfigurationException(
                    "mesh.service", "not set, and neither is spring.application.name",
                    "Set mesh.service (or spring.application.name) to the name of the service this application is, "
                    + "a DNS-1123 label such as orders.");
        }
        try {
            return ServiceName.of(configured);
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    properties.getService() != null ? "mesh.service" : "spring.application.name", e.getMessage(),
                    "Set mesh.service to a DNS-1123 label: lower-case letters, digits and '-', such as orders.");
        }
    }

    private static URI registry(MeshProperties properties) {
        final @Nullable String value = properties.getRegistry();
        final String example = properties.isTls() ? "https://registry.internal:7070" : "http://registry.internal:7070";
        if (value == null || value.isBlank()) {
            throw new MeshConfigurationException("mesh.registry", "not set",
                                                 "Set mesh.registry to the registry's address, such as " + example
                                                 + '.');
        }
        final URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new MeshConfigurationException("mesh.registry", "'" + value + "' does not parse: " + e.getReason(),
                                                 "Set mesh.registry to an address such as " + example + '.');
        }
        final String expectedScheme = properties.isTls() ? "https" : "http";
        if (!expectedScheme.equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new MeshConfigurationException(
                    "mesh.registry", "'" + value + "' is not " + expectedScheme + "://<host>:<port>"
                                     + (properties.isTls() ? " (the mesh speaks TLS: mesh.tls is on)" : ""),
                    "Set mesh.registry to an address such as " + example
                    + (properties.isTls() ? ", or mesh.tls=off if the registry runs with --plaintext." : '.'));
        }
        return uri;
    }

    private static Path readable(@Nullable Path file, String property, String what) {
        if (file == null) {
            throw new MeshConfigurationException(property, "not set, and mesh.tls is on",
                                                 "Set " + property + " to the file with " + what
                                                 + ", or mesh.tls=off on a trusted network.");
        }
        if (!Files.isReadable(file)) {
            throw new MeshConfigurationException(property, file + " cannot be read",
                                                 "Set " + property + " to a readable file with " + what + '.');
        }
        return file;
    }

    public MeshProperties properties() {
        return properties;
    }

    public ServiceName service() {
        return service;
    }

    public URI registry() {
        return registry;
    }
}
