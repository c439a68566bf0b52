package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/**
 * What the meshctl tests share: a real TLS registry in this JVM on a loopback port, its admin client, members that
 * join it with a one-use token, and meshctl run in this JVM against it, with what it printed kept in {@link #out}
 * and {@link #err}.
 */
final class RegistryForMeshCtl implements AutoCloseable {

    final MeshRegistry registry;
    final RegistryClient admin;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    private final Path dataDir;
    private final List<WorkloadIdentity> identities = new ArrayList<>();

    private RegistryForMeshCtl(MeshRegistry registry, Path dataDir) {
        this.registry = registry;
        this.admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        this.dataDir = dataDir;
    }

    static RegistryForMeshCtl start(Path dataDir) {
        return new RegistryForMeshCtl(
                MeshRegistry.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dataDir)
                        .build()
                        .start()
                        .join(),
                dataDir);
    }

    /** A workload of {@code service} that joined with a one-use token: its registry client, over its mTLS identity. */
    RegistryClient member(String service) {
        final String token = admin.createToken(
                        new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service)
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        identities.add(identity);
        identity.start().join();
        return IdentityAccess.REGISTRY_CLIENT.get(identity);
    }

    /** Closes {@code identity} with the registry: one a test made with its own token. */
    void closeAfter(WorkloadIdentity identity) {
        identities.add(identity);
    }

    /** Runs meshctl against this registry, as its operator (the admin token from the data directory). */
    int meshctl(String... args) {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--registry", registry.uri().toString(), "--data-dir", dataDir.toString()));
        return meshctlWithout(all.toArray(String[]::new));
    }

    /** Runs meshctl with {@code args} only; what it printed replaces what the last run printed. */
    int meshctlWithout(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Override
    public void close() {
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }
}
