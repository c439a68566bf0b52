package io.mesh4j.benchmarks.chaos;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One instance of the chaos run's service: a mesh server with its defaults (mTLS, the whole inbound stack,
 * registration and heartbeats, drain on SIGTERM) whose {@code GET /echo} answers the instance's id, so that a
 * caller knows who served it. The {@link DelayRelay} stands in front of its port. It prints {@code serving} once
 * registered and takes {@code delay MEAN_MS JITTER_MS} on its standard input.
 */
@Command(name = "chaos-instance", description = "An instance of the chaos run's service.")
public final class ChaosInstance implements Callable<Integer> {

    static final String SERVICE = "echo";
    static final String PATH = "/echo";
    /** Where the instance listens, inside its own namespace: every instance can use the same. */
    static final int PORT = 8080;
    /** Where the relay listens; nftables sends every connection from outside to the instance's port here. */
    static final int RELAY_PORT = 8081;

    @Option(names = "--registry", required = true)
    private URI registry = URI.create("https://127.0.0.1:7070");

    @Option(names = "--trust-bundle", required = true)
    private Path trustBundle = Path.of("");

    @Option(names = "--join-token-file", required = true)
    private Path joinTokenFile = Path.of("");

    @Option(names = "--id", required = true)
    private String id = "";

    @Option(names = "--zone", required = true)
    private String zone = "";

    @Option(names = "--host", required = true, description = "The address callers reach this instance at.")
    private String host = "";

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosInstance()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry, SERVICE)
                .joinTokenFile(joinTokenFile)
                .trustBundleFile(trustBundle)
                .build();
        identity.onRenewal(() ->
                System.err.println("chaos-instance " + id + ": certificate renewed, expires " + identity.expiresAt()));
        final MeshServer server = MeshServer.builder(SERVICE, registry)
                .identity(identity)
                .instanceId(id)
                .zone(zone)
                .advertisedHost(host)
                .port(PORT)
                .service(PATH, (ctx, req) -> HttpResponse.of(id))
                .build();
        final DelayRelay relay = DelayRelay.start(RELAY_PORT, PORT);
        server.start().join();
        System.out.println("serving " + id);
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            final String[] words = line.trim().split(" ");
            if (words.length == 3 && "delay".equals(words[0])) {
                relay.delay(Long.parseLong(words[1]), Long.parseLong(words[2]));
                System.out.println("delayed " + words[1] + ' ' + words[2]);
                System.out.flush();
            }
        }
        // The run closed this process's input without a SIGTERM: stop as SIGTERM would.
        server.stop().join();
        relay.close();
        identity.close();
        return 0;
    }
}
