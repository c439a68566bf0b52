package io.mesh4j.examples.services;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.identity.WorkloadIdentityBuilder;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one instance of one example service as its own process, as it would run in production.
 */
@Command(
        name = "mesh-example-service",
        mixinStandardHelpOptions = true,
        description = "Runs one instance of an example service (frontend, orders or inventory) in the mesh.")
public final class ServiceMain implements Callable<Integer> {

    @Option(names = "--service", required = true, description = "Which service: frontend, orders or inventory.")
    private String service = "";

    @Option(names = "--registry", required = true, description = "The registry, such as http://127.0.0.1:7070.")
    private URI registry = URI.create("http://127.0.0.1:7070");

    @Option(names = "--instance-id", required = true, description = "This instance's id in the registry.")
    private String instanceId = "";

    @Option(
            names = "--extra-latency-ms",
            defaultValue = "0",
            description = "Answer this much later than possible, to play a slow instance (orders only).")
    private long extraLatencyMillis;

    @Option(
            names = "--ttl-seconds",
            defaultValue = "15",
            description = "How long the registry keeps this instance without a heartbeat.")
    private long ttlSeconds;

    @Option(names = "--join-token-file", description = "The join token the operator made for this service.")
    private @Nullable Path joinTokenFile;

    @Option(
            names = "--service-account-token-file",
            defaultValue = "${env:MESH_SERVICE_ACCOUNT_TOKEN_FILE}",
            description = "On Kubernetes, instead of a join token: the pod's projected service-account token "
                    + "(audience mesh4j), read at every join; the registry runs with --kubernetes-token-review. "
                    + "Default: $MESH_SERVICE_ACCOUNT_TOKEN_FILE.")
    private @Nullable Path serviceAccountTokenFile;

    @Option(names = "--trust-bundle", description = "The registry's roots: <registry data dir>/trust-bundle.pem.")
    private @Nullable Path trustBundle;

    @Option(
            names = "--port",
            defaultValue = "0",
            description = "The port to serve on; 0 (the default) for any free one. A Kubernetes Service needs a "
                    + "fixed one.")
    private int port;

    @Option(
            names = "--advertised-host",
            defaultValue = "127.0.0.1",
            description = "The address other members reach this instance at, as registered; in a Kubernetes pod its "
                    + "IP (status.podIP). Default: ${DEFAULT-VALUE}.")
    private String advertisedHost = "127.0.0.1";

    @Option(names = "--plaintext", description = "Run without TLS (the registry must run with --plaintext too).")
    private boolean plaintext;

    @Option(names = "--zipkin", description = "Send spans to this Zipkin, such as http://127.0.0.1:9411/api/v2/spans.")
    private @Nullable URI zipkin;

    @Option(
            names = "--admin-port",
            defaultValue = "-1",
            description = "Serve /metrics and /stacks on this port (0 for any free one); none unless set.")
    private int adminPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServiceMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final @Nullable WorkloadIdentity identity;
        if (plaintext) {
            identity = null;
        } else if ((joinTokenFile != null || serviceAccountTokenFile != null) && trustBundle != null) {
            final WorkloadIdentityBuilder builder =
                    WorkloadIdentity.builder(registry, service).trustBundleFile(trustBundle);
            if (joinTokenFile != null) {
                builder.joinTokenFile(joinTokenFile);
            }
            if (serviceAccountTokenFile != null) {
                builder.serviceAccountTokenFile(serviceAccountTokenFile);
            }
            identity = builder.build();
        } else {
            System.err.println(
                    "give --join-token-file (or --service-account-token-file) and --trust-bundle, or --plaintext");
            return 2;
        }
        final TelemetryConfig.Builder tracing = TelemetryConfig.builder().serviceName(service);
        if (zipkin != null) {
            tracing.zipkinEndpoint(zipkin);
        }
        final MeshTelemetry telemetry = MeshTelemetry.of(tracing.build());
        final MeshClient mesh = (identity != null
                        ? MeshClient.builder(registry).identity(identity)
                        : MeshClient.builder(registry).plaintext())
                .telemetry(telemetry)
                .build();
        final MeshServerBuilder builder;
        switch (service) {
            case Inventory.SERVICE:
                builder = Inventory.server(registry, instanceId);
                break;
            case Orders.SERVICE:
                builder = Orders.server(registry, mesh, instanceId, Duration.ofMillis(extraLatencyMillis));
                break;
            case Frontend.SERVICE:
                builder = Frontend.server(registry, mesh, instanceId);
                break;
            default:
                System.err.println("--service: " + service + " (expected: frontend, orders or inventory)");
                return 2;
        }
        builder.port(port)
                .advertisedHost(advertisedHost)
                .ttl(Duration.ofSeconds(ttlSeconds))
                .telemetry(telemetry);
        if (adminPort >= 0) {
            builder.adminPort(adminPort);
        }
        final MeshServer server = (identity != null ? builder.identity(identity) : builder.plaintext()).build();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.stop().join();
                            mesh.close();
                            if (identity != null) {
                                identity.close();
                            }
                            // Flushes the spans not yet sent.
                            telemetry.close();
                            stopped.countDown();
                        },
                        "mesh-example-shutdown"));
        server.start().join();
        // The parent process reads this line to know the instance serves and is registered.
        final AdminServer admin = server.admin();
        if (admin != null) {
            admin.show("outbound", mesh::describeStack);
        }
        System.out.println(service + '/' + instanceId + " serving on port " + server.port()
                + (admin != null ? ", admin on port " + admin.port() : ""));
        stopped.await();
        return 0;
    }
}
