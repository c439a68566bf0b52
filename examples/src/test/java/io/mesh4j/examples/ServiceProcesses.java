package io.mesh4j.examples;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.ServiceMain;

/** Starts example service instances as their own processes. */
final class ServiceProcesses {

    private static final Pattern SERVING = Pattern.compile("serving on port (\\d+)");

    /** Starts one instance; returns once it serves and is registered. */
    static ChildJvm start(String service, String instanceId, URI registry, Path logDir) throws IOException {
        return start(service, instanceId, registry, logDir, List.of());
    }

    /** Starts one instance with more of {@link ServiceMain}'s flags, such as {@code --zipkin URL}. */
    static ChildJvm start(String service, String instanceId, URI registry, Path logDir, List<String> moreArgs)
            throws IOException {
        final List<String> args = new ArrayList<>(List.of("--service", service, "--instance-id", instanceId,
                                                          "--registry", registry.toString(), "--ttl-seconds", "30"));
        args.addAll(moreArgs);
        return ChildJvm.start(ServiceMain.class.getName(), args, SERVING, logDir.resolve(instanceId + ".log"),
                              Duration.ofSeconds(60));
    }

    private ServiceProcesses() {}
}
