package io.mesh4j.examples.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;

import io.grpc.StatusRuntimeException;
import io.mesh4j.client.MeshClient;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.inventory.InventoryGrpc;
import io.mesh4j.examples.inventory.Stock;
import io.mesh4j.examples.inventory.StockRequest;
import io.mesh4j.examples.services.Frontend;
import io.mesh4j.examples.services.Inventory;
import io.mesh4j.examples.services.Orders;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo: a registry in its own process, three services that call each other through the mesh (frontend →
 * orders → inventory, the last hop gRPC, with two orders instances, one of them slow), traffic, and every few seconds a table of
 * what the mesh does with it. Before the traffic, a caller quota refuses a burst from a batch job; along the way a
 * third orders instance joins and the first one leaves.
 */
@Command(
        name = "mesh4j-demo",
        mixinStandardHelpOptions = true,
        description =
                "Starts a registry and three services, sends traffic through them, and shows the mesh at " + "work.")
public final class Demo implements Callable<Integer> {

    private static final List<String> SERVICES = List.of(Frontend.SERVICE, Orders.SERVICE, Inventory.SERVICE);
    private static final Duration SLOW_LATENCY = Duration.ofMillis(40);
    /** A batch job that calls frontend too, under a caller quota of its own. */
    private static final String REPORTS = "reports";
    /** The caller quota of reports on frontend's checkouts, per second. */
    private static final int REPORTS_QUOTA = 10;
    /** How many checkouts reports sends at once, to run into its quota. */
    private static final int REPORTS_BURST = 40;
    /** The longest any one step may take: starting a workload, a call, stopping a component. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--seconds", defaultValue = "30", description = "How long to send traffic (default: 30).")
    private int seconds;

    @Option(names = "--interval", defaultValue = "3", description = "Seconds between tables (default: 3).")
    private int intervalSeconds;

    @Option(
            names = "--leaf-ttl-seconds",
            defaultValue = "30",
            description = "How long the workloads' certificates live, so that renewals happen while you watch "
                    + "(default: 30).")
    private int leafTtlSeconds;

    @Option(
            names = "--concurrency",
            defaultValue = "8",
            description = "Calls in flight at once from the load generator (default: 8).")
    private int concurrency;

    @Option(
            names = "--zipkin",
            description = "Also send every span to this Zipkin, such as http://127.0.0.1:9411/api/v2/spans.")
    private @Nullable URI zipkin;

    /** Every service's spans, gathered to print one trace at the end. */
    private final TraceTree traces = new TraceTree();

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    public static void main(String[] args) {
        // The demo speaks through its tables; the mesh's own logs would scroll them away. Several Armeria servers
        // in one JVM share executors whose meters Micrometer then warns about: harmless here.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.micrometer", "error");
        System.exit(new CommandLine(new Demo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (seconds < 3 || intervalSeconds < 1 || concurrency < 1 || leafTtlSeconds < 10) {
            System.err.println(
                    "--seconds must be >= 3, --interval >= 1, --concurrency >= 1 and " + "--leaf-ttl-seconds >= 10");
            return 2;
        }
        final Path workDir = Files.createTempDirectory("mesh4j-demo-");
        out.println("mesh4j demo: a registry, then frontend → orders → inventory (HTTP, then gRPC), with orders-2 "
                + "slowed by " + SLOW_LATENCY.toMillis() + " ms on purpose.");
        final TrafficStats stats = new TrafficStats();
        // Closed in reverse: services deregister while the registry still answers.
        final List<AutoCloseable> toClose = new ArrayList<>();
        try {
            final RegistryProcess registry = RegistryProcess.start(
                    0,
                    workDir.resolve("registry-data"),
                    workDir.resolve("registry.log"),
                    Duration.ofSeconds(30),
                    "--leaf-ttl",
                    leafTtlSeconds + "s",
                    // Zero trust, the recommended setup: a call that no policy allows is refused.
                    "--default-policy",
                    "deny");
            toClose.add(registry);
            final URI registryUri = registry.uri();
            final RegistryTrust.AdminClient admin = RegistryTrust.admin(registryUri, registry.dataDir());
            toClose.add(admin);
            final String trustBundle = Files.readString(registry.dataDir().resolve("trust-bundle.pem"));
            out.println("registry    " + registryUri + "  (its own process, pid " + registry.pid()
                    + "; the mesh's certificate authority)");
            // The viewer token may only read: the URL is safe to open while the demo runs. Browsers never send the
            // part after '#' to a server; the page moves it into the tab's session storage.
            final String viewerToken = Files.readString(
                            registry.dataDir().resolve("viewer.token"), StandardCharsets.US_ASCII)
                    .strip();
            out.println("dashboard   " + registryUri.resolve("/dashboard/") + "#token=" + viewerToken
                    + "  (live while the demo runs; the browser will not know the mesh's CA: accept it, or trust "
                    + registry.dataDir().resolve("trust-bundle.pem") + ")");
            final Identities identities = new Identities(registryUri, admin.client(), trustBundle, toClose);
            final MeshCtlProcess meshctl = new MeshCtlProcess(registryUri, registry.dataDir());
            allowTheCallChain(meshctl, workDir);

            // One telemetry per service, as each would have in its own process.
            final MeshTelemetry inventoryTelemetry = telemetry(Inventory.SERVICE, 1.0, toClose);
            final MeshTelemetry ordersTelemetry = telemetry(Orders.SERVICE, 1.0, toClose);
            final MeshTelemetry frontendTelemetry = telemetry(Frontend.SERVICE, 1.0, toClose);
            start(
                    Inventory.server(registryUri, "inventory-1").telemetry(inventoryTelemetry),
                    identities.of("inventory"),
                    toClose);
            final MeshServer orders1 = startOrders(
                    registryUri,
                    identities.of("orders"),
                    stats,
                    ordersTelemetry,
                    "orders-1",
                    "v1",
                    Duration.ZERO,
                    toClose);
            startOrders(
                    registryUri,
                    identities.of("orders"),
                    stats,
                    ordersTelemetry,
                    "orders-2",
                    "v1",
                    SLOW_LATENCY,
                    toClose);
            // The next version of orders, deployed beside the current one; the route config keeps it dark.
            shell(meshctl, "routes", "split", "orders", "v1=100", "v2=0");
            startOrders(
                    registryUri,
                    identities.of("orders"),
                    stats,
                    ordersTelemetry,
                    "orders-v2",
                    "v2",
                    Duration.ZERO,
                    toClose);
            final WorkloadIdentity frontendIdentity = identities.of("frontend");
            final MeshServer frontend = start(
                    Frontend.server(
                                    registryUri,
                                    meshClient(registryUri, frontendIdentity, stats, frontendTelemetry, toClose),
                                    "frontend-1")
                            .telemetry(frontendTelemetry)
                            .adminPort(0),
                    frontendIdentity,
                    toClose);
            out.println("services    inventory-1, orders-1 and orders-2 (slow) labelled version=v1, the canary "
                    + "orders-v2 labelled version=v2, frontend-1: serving and registered");
            out.println("identity    each made its own P-256 key in memory and got a certificate for "
                    + "spiffe://mesh.local/svc/<service> with a one-use join token; every hop is mTLS, and "
                    + "certificates live " + leafTtlSeconds + " s, renewed at two thirds of that");

            // The load generator keeps one trace in a hundred: the services follow its decision (parent-based).
            final MeshClient loadClient = meshClient(
                    registryUri, identities.of("loadgen"), stats, telemetry("loadgen", 0.01, toClose), toClose);
            out.println(
                    "stack       every call goes " + loadClient.stack() + " (the DEMO_ layers record these tables)");
            showARefusal(loadClient);
            showACallerQuota(meshctl, workDir, registryUri, frontend, identities.of(REPORTS), toClose);
            final LoadGenerator load = new LoadGenerator(loadClient.webClient(Frontend.SERVICE), concurrency);
            load.start();
            out.println("traffic     " + concurrency + " calls in flight to frontend /checkout/{id} for " + seconds
                    + " s; share = attempts per instance, as the caller's balancer spread them");

            final TrafficTable table = new TrafficTable(
                    out, Map.of("orders-2", " (+" + SLOW_LATENCY.toMillis() + "ms)", "orders-v2", " (canary)"));
            stats.takeInterval();
            final long start = System.nanoTime();
            // What happens while the traffic flows, at a share of the run each: a canary shift done live with
            // meshctl, an instance joining, an instance leaving.
            final List<Step> steps = List.of(
                    new Step(1, () -> shell(meshctl, "routes", "split", "orders", "v1=90", "v2=10")),
                    new Step(2, () -> {
                        startOrders(
                                registryUri,
                                identities.of("orders"),
                                stats,
                                ordersTelemetry,
                                "orders-3",
                                "v1",
                                Duration.ZERO,
                                toClose);
                        return "orders-3 (v1) joined: callers send to it as soon as the registry lists it";
                    }),
                    new Step(3, () -> shell(meshctl, "routes", "split", "orders", "v1=50", "v2=50")),
                    new Step(4, () -> {
                        // Deregister, drain, close: callers stop sending before the listener closes.
                        await(orders1.stop(), "orders-1 to stop");
                        return "orders-1 left: deregistered, drained, closed — no call failed for it";
                    }),
                    new Step(5, () -> shell(meshctl, "routes", "split", "orders", "v1=0", "v2=100")),
                    // The registry's view of the same traffic, from the summaries every member reports.
                    new Step(6, () -> shell(meshctl, "stat")));
            int next = 0;
            String event = "warming up";
            long intervalStart = start;
            for (int elapsed = intervalSeconds; elapsed <= seconds; elapsed += intervalSeconds) {
                sleepUntil(start, elapsed);
                // Rates over the interval as it really was: a step (meshctl is a JVM of its own) can make this
                // loop late, and a rate over the nominal interval then shows a burst and a stall that never were.
                final long now = System.nanoTime();
                final double measured = (now - intervalStart) / 1e9;
                intervalStart = now;
                table.print(
                        Math.round((now - start) / 1e9) + "s: " + event + " · certificates renewed so far: "
                                + identities.renewals(),
                        measured,
                        stats.takeInterval(),
                        SERVICES);
                final List<String> happened = new ArrayList<>();
                while (next < steps.size() && elapsed >= steps.get(next).sixths * seconds / 6.0) {
                    happened.add(steps.get(next++).action.call());
                }
                event = happened.isEmpty() ? "steady" : String.join(" · ", happened);
            }
            load.stop();
            final TrafficStats.@Nullable Interval frontendTotals =
                    stats.takeInterval().get(Frontend.SERVICE);
            out.println();
            out.println("done: " + load.completed() + " checkouts in " + seconds + " s, "
                    + (frontendTotals != null ? frontendTotals.totalFailures : 0)
                    + " failed as the load generator saw them"
                    + (stats.of(Frontend.SERVICE).firstFailure() != null
                            ? " (the first: " + stats.of(Frontend.SERVICE).firstFailure() + ')'
                            : "")
                    + "; "
                    + identities.renewals() + " certificates renewed on the way.");
            out.println("the registry's log is in " + workDir.resolve("registry.log"));
            printTrace(frontend);
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                final AutoCloseable closeable = toClose.get(i);
                await(
                        CompletableFuture.runAsync(() -> {
                            try {
                                closeable.close();
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        }),
                        closeable + " to stop");
            }
        }
        return 0;
    }

    /**
     * The registry runs with {@code --default-policy deny}: each service says who may call it, and nothing else
     * gets through. The chain is loadgen → frontend → orders → inventory, the last hop a gRPC call: its route is
     * the method's path, which a gRPC call always sends as a POST.
     */
    private void allowTheCallChain(MeshCtlProcess meshctl, Path workDir) throws IOException, InterruptedException {
        out.println("zero trust  the registry runs with --default-policy deny: a call that no policy allows is "
                + "refused, so each service lists its callers");
        shell(meshctl, "policies", "default");
        final Map<String, String> policies = Map.of(
                Frontend.SERVICE, policy("/checkout/{id}", "GET", "loadgen\", \"" + REPORTS),
                Orders.SERVICE, policy("/orders/{id}", "GET", Frontend.SERVICE),
                Inventory.SERVICE, policy(Inventory.GET_STOCK, "POST", Orders.SERVICE));
        for (String service : SERVICES) {
            final Path file = workDir.resolve(service + "-policy.json");
            Files.writeString(file, policies.get(service));
            out.println("  " + file.getFileName() + ": " + policies.get(service));
            shell(meshctl, "policies", "apply", service, "-f", file.toString());
        }
    }

    private static String policy(String route, String method, String caller) {
        return "{\"rules\": [{\"routes\": [\"" + route + "\"], \"methods\": [\"" + method + "\"], \"allowCallers\": [\""
                + caller + "\"]}]}";
    }

    /**
     * loadgen may call frontend, and nothing else: a gRPC call straight to inventory is refused with
     * {@code PERMISSION_DENIED}, saying why. The demo's main thread may block on it: it is no event loop.
     */
    private void showARefusal(MeshClient loadClient) {
        try {
            final Stock stock = loadClient
                    .grpcClient(Inventory.SERVICE, InventoryGrpc.InventoryBlockingStub.class)
                    .withDeadlineAfter(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .getStock(StockRequest.newBuilder().setSku("sku-42").build());
            throw new IllegalStateException(
                    "inventory answered loadgen, which no policy allows: " + stock.getAvailable() + " in stock");
        } catch (StatusRuntimeException refused) {
            out.println("refused     loadgen → inventory directly, over gRPC: "
                    + refused.getStatus().getCode() + ' ' + refused.getStatus().getDescription());
        }
    }

    /**
     * A mesh-wide caller quota: reports, a batch job, may check out at most {@value #REPORTS_QUOTA} per second
     * across every frontend instance, whatever loadgen does. A burst of {@value #REPORTS_BURST} at once gets what
     * the quota holds; the rest is refused with 429 and {@code Retry-After}, saying it is the quota's (not a failed
     * checkout: the caller was told when to come back). reports' client has no DEMO_ layers, so the tables and the
     * count of failed checkouts stay loadgen's.
     */
    private void showACallerQuota(
            MeshCtlProcess meshctl,
            Path workDir,
            URI registryUri,
            MeshServer frontend,
            WorkloadIdentity reports,
            List<AutoCloseable> toClose)
            throws IOException, InterruptedException {
        final String routes = "{\"rules\": [{\"name\": \"checkout\", \"match\": {\"path\": {\"prefix\": "
                + "\"/checkout/\"}}}], \"quotas\": [{\"name\": \"reports-checkout\", \"rule\": \"checkout\", "
                + "\"caller\": \"" + REPORTS + "\", \"requests\": " + REPORTS_QUOTA + ", \"per\": \"1s\"}]}";
        final Path file = workDir.resolve("frontend-routes.json");
        Files.writeString(file, routes);
        out.println("  " + file.getFileName() + ": " + routes);
        shell(meshctl, "routes", "apply", Frontend.SERVICE, "-f", file.toString());
        // The route config reaches frontend-1 by its watch, in milliseconds; the burst waits for it, bounded.
        final long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (frontend.routeConfig().quotas().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("frontend-1 did not get its route config with the quota within "
                        + STEP_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
        final MeshClient client =
                MeshClient.builder(registryUri).identity(reports).build();
        toClose.add(client);
        final WebClient toFrontend = client.webClient(Frontend.SERVICE);
        final List<CompletableFuture<AggregatedHttpResponse>> burst = new ArrayList<>();
        for (int i = 0; i < REPORTS_BURST; i++) {
            burst.add(toFrontend.get("/checkout/" + i).aggregate());
        }
        int admitted = 0;
        int refused = 0;
        int otherwise = 0;
        @Nullable String retryAfter = null;
        @Nullable String why = null;
        for (CompletableFuture<AggregatedHttpResponse> call : burst) {
            final AggregatedHttpResponse res = await(call, "a checkout of reports");
            if (res.status().equals(HttpStatus.OK)) {
                admitted++;
            } else if (res.status().equals(HttpStatus.TOO_MANY_REQUESTS)
                    && QuotaJson.LIMIT_QUOTA.equals(res.headers().get(QuotaJson.LIMIT_HEADER))) {
                refused++;
                retryAfter = res.headers().get(HttpHeaderNames.RETRY_AFTER);
                why = res.contentUtf8();
            } else {
                otherwise++;
            }
        }
        out.println("quota       reports → frontend, a caller quota of " + REPORTS_QUOTA + " checkouts per second "
                + "across the mesh: a burst of " + REPORTS_BURST + " at once, " + admitted + " admitted, " + refused
                + " refused by the quota (429, Retry-After: " + retryAfter + " s), " + otherwise + " otherwise");
        if (why != null) {
            out.println("            the answer: " + why);
        }
    }

    /**
     * Waits for a step of the demo, bounded: a step that cannot finish (a registry that never answers, a port that
     * never opens) ends the demo with a message naming it, instead of leaving it hanging.
     */
    private static <T> T await(CompletableFuture<T> step, String what) {
        try {
            return step.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the demo waited " + STEP_TIMEOUT.toSeconds() + " s for " + what + " and gave up", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the demo waited for " + what + ", which failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** Something done while the traffic flows, once {@code sixths} of the run have passed. */
    private record Step(int sixths, Callable<String> action) {}

    /** Runs meshctl as the operator would, shows the command and what it answered, and names it for the table. */
    private String shell(MeshCtlProcess meshctl, String... args) throws IOException, InterruptedException {
        final String command = "meshctl " + String.join(" ", args);
        out.println("$ " + command);
        for (String line : meshctl.run(args).split("\n")) {
            out.println("  " + line);
        }
        return command;
    }

    private void printTrace(MeshServer frontend) {
        out.println();
        out.println(
                "── one checkout, as a trace: every span below was made by the mesh, none by the services' code ──");
        final Optional<List<SpanData>> trace = traces.lastComplete(6);
        if (trace.isPresent()) {
            TraceTree.print(out, trace.get());
        } else {
            out.println("  (no complete trace was sampled; run longer)");
        }
        out.println("tracing     W3C traceparent between services; to see every trace in a real Zipkin:");
        out.println("              java -jar zipkin-server-3.6.1-exec.jar   # listens on :9411");
        out.println(
                "              java -jar examples/target/mesh4j-demo.jar --zipkin http://127.0.0.1:9411/api/v2/spans");
        out.println("            or configure TelemetryConfig.builder().zipkinEndpoint(..) / .otlpEndpoint(..) in a "
                + "service.");
        final AdminServer admin = frontend.admin();
        if (admin != null) {
            out.println("metrics     frontend's admin endpoint served them at http://127.0.0.1:" + admin.port()
                    + "/metrics (Prometheus text; /stacks shows the live stacks)");
        }
    }

    private MeshTelemetry telemetry(String service, double samplingRatio, List<AutoCloseable> toClose) {
        final TelemetryConfig.Builder config = TelemetryConfig.builder()
                .serviceName(service)
                .samplingRatio(samplingRatio)
                // Every 2 s rather than 10 s, so that meshctl stat has the demo's short run to show.
                .reportInterval(Duration.ofSeconds(2))
                .spanExporter(traces);
        if (zipkin != null) {
            config.zipkinEndpoint(zipkin);
        }
        final MeshTelemetry telemetry = MeshTelemetry.of(config.build());
        toClose.add(telemetry);
        return telemetry;
    }

    private static MeshClient meshClient(
            URI registry,
            WorkloadIdentity identity,
            TrafficStats stats,
            MeshTelemetry telemetry,
            List<AutoCloseable> toClose) {
        final MeshClient client = MeshClient.builder(registry)
                .identity(identity)
                .telemetry(telemetry)
                .stack(s ->
                        s.insertBefore(ClientRoles.DEADLINE, stats.callLayer()).append(stats.attemptLayer()))
                .build();
        toClose.add(client);
        return client;
    }

    private static MeshServer startOrders(
            URI registry,
            WorkloadIdentity identity,
            TrafficStats stats,
            MeshTelemetry telemetry,
            String id,
            String version,
            Duration extraLatency,
            List<AutoCloseable> toClose) {
        return start(
                Orders.server(registry, meshClient(registry, identity, stats, telemetry, toClose), id, extraLatency)
                        .metadata("version", version)
                        .telemetry(telemetry),
                identity,
                toClose);
    }

    private static MeshServer start(MeshServerBuilder builder, WorkloadIdentity identity, List<AutoCloseable> toClose) {
        final MeshServer server = builder.identity(identity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ofSeconds(1))
                .build();
        await(server.start(), server.instanceId() + " to serve and register");
        toClose.add(server);
        return server;
    }

    /** One identity per workload, each with a join token of its own, counting their renewals. */
    private static final class Identities {
        private final URI registry;
        private final RegistryClient admin;
        private final String trustBundle;
        private final List<AutoCloseable> toClose;
        private final AtomicLong renewals = new AtomicLong();

        Identities(URI registry, RegistryClient admin, String trustBundle, List<AutoCloseable> toClose) {
            this.registry = registry;
            this.admin = admin;
            this.trustBundle = trustBundle;
            this.toClose = toClose;
        }

        WorkloadIdentity of(String service) {
            final WorkloadIdentity identity = Workloads.identity(registry, admin, trustBundle, service);
            identity.onRenewal(renewals::incrementAndGet);
            toClose.add(identity);
            return await(identity.start(), "the first certificate of " + service);
        }

        long renewals() {
            return renewals.get();
        }
    }

    private static void sleepUntil(long startNanos, int elapsedSeconds) throws InterruptedException {
        final long remaining = startNanos + Duration.ofSeconds(elapsedSeconds).toNanos() - System.nanoTime();
        if (remaining > 0) {
            Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
        }
    }

    /** Keeps {@code concurrency} checkouts in flight: each one, when done, starts the next. */
    private static final class LoadGenerator {
        private final WebClient frontend;
        private final int concurrency;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicLong sequence = new AtomicLong();
        private final AtomicLong completed = new AtomicLong();

        LoadGenerator(WebClient frontend, int concurrency) {
            this.frontend = frontend;
            this.concurrency = concurrency;
        }

        void start() {
            running.set(true);
            for (int i = 0; i < concurrency; i++) {
                next();
            }
        }

        private void next() {
            if (!running.get()) {
                return;
            }
            frontend.get("/checkout/" + sequence.incrementAndGet() % 1000)
                    .aggregate()
                    .handle((res, cause) -> {
                        completed.incrementAndGet();
                        next();
                        return null;
                    });
        }

        void stop() {
            running.set(false);
        }

        long completed() {
            return completed.get();
        }
    }
}
