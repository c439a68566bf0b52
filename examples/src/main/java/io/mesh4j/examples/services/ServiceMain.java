package io.mesh4j.examples.services;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.mesh4j.client.MeshClient;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Runs one instance of one example service as its own process, as it would run in production.
 */
@Command(name = "mesh-example-service", mixinStandardHelpOptions = true,
         description = "Runs one instance of an example service (frontend, orders or inventory) in the mesh.")
public final class ServiceMain implements Callable<Integer> {

    @Option(names = "--service", required = true, description = "Which service: frontend, orders or inventory.")
    private String service = "";

    @Option(names = "--registry", required = true, description = "The registry, such as http://127.0.0.1:7070.")
    private URI registry = URI.create("http://127.0.0.1:7070");

    @Option(names = "--instance-id", required = true, description = "This instance's id in the registry.")
    private String instanceId = "";

    @Option(names = "--extra-latency-ms", defaultValue = "0",
            description = "Answer this much later than possible, to play a slow instance (orders only).")
    private long extraLatencyMillis;

    @Option(names = "--ttl-seconds", defaultValue = "15",
            description = "How long the registry keeps this instance without a heartbeat.")
    private long ttlSeconds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServiceMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final MeshClient mesh = MeshClient.builder(registry).build();
        final MeshServer server;
        switch (service) {
            case Inventory.SERVICE:
                server = Inventory.server(registry, instanceId).advertisedHost("127.0.0.1")
                                  .ttl(Duration.ofSeconds(ttlSeconds)).build();
                break;
            case Orders.SERVICE:
                server = Orders.server(registry, mesh, instanceId, Duration.ofMillis(extraLatencyMillis))
                               .advertisedHost("127.0.0.1").ttl(Duration.ofSeconds(ttlSeconds)).build();
                break;
            case Frontend.SERVICE:
                server = Frontend.server(registry, mesh, instanceId).advertisedHost("127.0.0.1")
                                 .ttl(Duration.ofSeconds(ttlSeconds)).build();
                break;
            default:
                System.err.println("--service: " + service + " (expected: frontend, orders or inventory)");
                return 2;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop().join();
            mesh.close();
            stopped.countDown();
        }, "mesh-example-shutdown"));
        server.start().join();
        // The parent process reads this line to know the instance serves and is registered.
        System.out.println(service + '/' + instanceId + " serving on port " + server.port());
        stopped.await();
        return 0;
    }
}
