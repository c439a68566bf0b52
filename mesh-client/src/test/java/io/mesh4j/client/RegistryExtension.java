package io.mesh4j.client;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A real registry in this JVM, on an ephemeral loopback port and a fresh data directory, for each test.
 */
final class RegistryExtension implements BeforeEachCallback, AfterEachCallback {

    private MeshRegistry registry;
    private RegistryClient client;
    private Path dataDir;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("mesh4j-registry-");
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build();
        registry.start();
        client = RegistryClient.of(registry.uri());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        registry.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    URI uri() {
        return registry.uri();
    }

    /** A client of the registry's own API, to register backends and read what it holds. */
    RegistryClient client() {
        return client;
    }

    /** A client with the registry's admin token, to push route configs. */
    RegistryClient admin() {
        return RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    /** Stops the registry, as an outage would. */
    void stop() {
        registry.close();
    }
}
