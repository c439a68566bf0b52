package io.mesh4j.server;

import java.nio.file.Path;

import io.mesh4j.registry.MeshRegistry;

/** Starts a real registry in this JVM on a loopback port. */
final class Registries {

    static MeshRegistry start(Path dataDir) {
        return start(dataDir, 0);
    }

    /** On a given port: to bring a registry back where its clients knew it. */
    static MeshRegistry start(Path dataDir, int port) {
        final MeshRegistry registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(port)
                .dataDir(dataDir)
                .build();
        registry.start();
        return registry;
    }

    private Registries() {}
}
