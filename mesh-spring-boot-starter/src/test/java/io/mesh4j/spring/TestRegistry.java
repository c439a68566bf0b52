package io.mesh4j.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A real TLS registry on loopback for each test, and the properties that make a Spring Boot application its member
 * as an operator would hand them over: the registry's address, a one-use join token and the trust bundle, each in a
 * file. Registered with {@code @RegisterExtension}; the registry and its files are gone after each test.
 */
final class TestRegistry implements BeforeEachCallback, AfterEachCallback {

    private @Nullable Path dir;
    private @Nullable MeshRegistry registry;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        final Path made = Files.createTempDirectory("mesh4j-spring-");
        dir = made;
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(made.resolve("registry"))
                .build()
                .start()
                .join();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        final @Nullable MeshRegistry started = registry;
        if (started != null) {
            started.close();
            registry = null;
        }
        final @Nullable Path made = dir;
        if (made != null) {
            try (Stream<Path> files = Files.walk(made)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
            dir = null;
        }
    }

    /** The registry of the running test. */
    MeshRegistry registry() {
        final @Nullable MeshRegistry started = registry;
        if (started == null) {
            throw new IllegalStateException("no test is running");
        }
        return started;
    }

    /** The folder of the running test's files. */
    Path dir() {
        final @Nullable Path made = dir;
        if (made == null) {
            throw new IllegalStateException("no test is running");
        }
        return made;
    }

    /**
     * The properties of a member of {@code service}: its name, the registry, a fresh one-use join token and the trust
     * bundle (each in a file), the loopback address to advertise, and no drain period, so that tests close quickly.
     */
    String[] properties(String service) throws IOException {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry())
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final Path tokenFile = Files.writeString(dir().resolve(service + ".token"), token);
        final Path bundle =
                Files.writeString(dir().resolve("trust-bundle.pem"), registry().trustBundlePem());
        return new String[] {
            "spring.application.name=" + service,
            "mesh.registry=" + registry().uri(),
            "mesh.join-token-file=" + tokenFile,
            "mesh.trust-bundle-file=" + bundle,
            "mesh.advertised-host=127.0.0.1",
            "mesh.drain-period=0s",
        };
    }
}
