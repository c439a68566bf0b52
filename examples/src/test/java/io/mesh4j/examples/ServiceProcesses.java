package io.mesh4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.ServiceMain;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/** Starts example service instances as their own processes. */
final class ServiceProcesses {

    private static final Pattern SERVING = Pattern.compile("serving on port (\\d+)");

    /**
     * Starts one instance with a join token of its own; returns once it has its certificate, serves and is
     * registered.
     */
    static ChildJvm start(String service, String instanceId, MeshRegistry registry, Path workDir) throws IOException {
        return start(service, instanceId, registry, workDir, List.of());
    }

    /** Starts one instance with more of {@link ServiceMain}'s flags, such as {@code --zipkin URL}. */
    static ChildJvm start(String service, String instanceId, MeshRegistry registry, Path workDir, List<String> moreArgs)
            throws IOException {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final Path tokenFile = Files.writeString(workDir.resolve(instanceId + ".token"), token);
        final Path bundle = Files.writeString(workDir.resolve("trust-bundle.pem"), registry.trustBundlePem());
        final List<String> args = new ArrayList<>(List.of(
                "--service",
                service,
                "--instance-id",
                instanceId,
                "--registry",
                registry.uri().toString(),
                "--ttl-seconds",
                "30",
                "--join-token-file",
                tokenFile.toString(),
                "--trust-bundle",
                bundle.toString()));
        args.addAll(moreArgs);
        return ChildJvm.start(
                ServiceMain.class.getName(),
                args,
                SERVING,
                workDir.resolve(instanceId + ".log"),
                Duration.ofSeconds(60));
    }

    private ServiceProcesses() {}
}
