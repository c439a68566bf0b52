package io.mesh4j.examples;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * What the in-process tests of this module stand on: a real registry (TLS, CA, durable store) on an ephemeral
 * loopback port, the workloads a test makes against it, and one close that stops them in the reverse order they
 * were made, the registry last.
 */
final class LocalMesh implements AutoCloseable {

    private final MeshRegistry registry;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private LocalMesh(MeshRegistry registry) {
        this.registry = registry;
    }

    static LocalMesh start(Path dataDir) {
        return start(dataDir, MeshRegistry.builder());
    }

    /** A mesh whose certificates live {@code leafLifetime} (at least 10 s), renewed at two thirds of it. */
    static LocalMesh start(Path dataDir, Duration leafLifetime) {
        return start(dataDir, MeshRegistry.builder().leafLifetime(leafLifetime));
    }

    private static LocalMesh start(Path dataDir, MeshRegistry.Builder builder) {
        final MeshRegistry registry =
                builder.host("127.0.0.1").port(0).dataDir(dataDir).build();
        registry.start();
        return new LocalMesh(registry);
    }

    MeshRegistry registry() {
        return registry;
    }

    URI uri() {
        return registry.uri();
    }

    /** A started identity of a new workload of {@code service}, with its own join token; closed with the mesh. */
    WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = closeLater(Workloads.identity(
                registry.uri(), RegistryAccess.ADMIN_CLIENT.get(registry), registry.trustBundlePem(), service));
        return identity.start().join();
    }

    /** Closes {@code closeable} with the mesh, before whatever was made earlier. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }
}
