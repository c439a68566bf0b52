package io.mesh4j.examples.springboot;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.linecorp.armeria.client.WebClient;

import io.mesh4j.examples.springboot.catalog.CatalogApplication;
import io.mesh4j.examples.springboot.shop.ShopApplication;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.cli.MeshCtl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Spring Boot demo, in one JVM: a registry; {@code catalog} twice and {@code shop} once, each a Spring Boot
 * application that the starter makes a mesh member from three properties; traffic into the shop, which calls the
 * catalog through its injected {@code CatalogClient}; an operator's route config pushed with {@code meshctl}; one
 * catalog instance leaving while traffic flows; what each application's actuator says of all that; and, with
 * {@code meshctl services} along the way, the catalog's instances registering as their applications start and
 * deregistering as their contexts close.
 */
@Command(
        name = "mesh4j-spring-boot-demo",
        mixinStandardHelpOptions = true,
        description = "Starts a registry and two Spring Boot services in this JVM, sends traffic through them, and "
                + "shows what the mesh and the actuator make of it.")
public final class SpringBootDemo implements Callable<Integer> {

    /** What an operator would apply with meshctl: the catalog's item lookups get a tighter timeout, two tries. */
    private static final String CATALOG_ROUTES = """
            {"rules": [{"name": "item-lookups",
                        "match": {"path": {"template": "/items/{sku}"}, "methods": ["GET"]},
                        "timeout": "800ms", "retry": {"attempts": 2}}]}
            """;

    @Option(
            names = "--seconds",
            defaultValue = "6",
            description = "How long to send traffic, half before a catalog instance leaves, half after (default: 6).")
    private int seconds;

    @Option(names = "--rate", defaultValue = "100", description = "Calls a second into the shop (default: 100).")
    private int rate;

    private final PrintStream out;

    SpringBootDemo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        // The demo speaks through its tables; the applications' own logs would scroll them away. Several Armeria
        // servers in one JVM share executors whose meters Micrometer then warns about: harmless here.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.micrometer", "error");
        System.exit(run(new PrintStream(System.out, true, StandardCharsets.UTF_8), args));
    }

    /** Runs the demo, printing to {@code out}; returns the exit status. */
    public static int run(PrintStream out, String... args) {
        return new CommandLine(new SpringBootDemo(out)).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (seconds < 2 || rate < 1) {
            out.println("--seconds must be >= 2 and --rate >= 1");
            return 2;
        }
        final Path work = Files.createTempDirectory("mesh4j-spring-boot-demo-");
        // Closed last first: the applications deregister while the registry still answers.
        final Deque<AutoCloseable> toClose = new ArrayDeque<>();
        try {
            out.println("mesh4j Spring Boot demo: catalog (2 instances) and shop, each a Spring Boot application "
                    + "made a mesh member by mesh-spring-boot-starter.");
            final MeshRegistry registry = MeshRegistry.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .dataDir(work.resolve("registry"))
                    .build()
                    .start()
                    .join();
            toClose.push(registry);
            out.println("registry   " + registry.uri() + "  (in this JVM for the demo; java -jar "
                    + "mesh-registry.jar otherwise)");
            final MeshCtlRunner meshctl = new MeshCtlRunner(registry, out);
            final Path bundle = registry.dataDir().resolve("trust-bundle.pem");
            final Path catalogToken = meshctl.token("catalog", 2, work);
            final Path shopToken = meshctl.token("shop", 1, work);

            final List<String> mesh = List.of(
                    "--mesh.registry=" + registry.uri(),
                    "--mesh.trust-bundle-file=" + bundle,
                    "--mesh.advertised-host=127.0.0.1");
            final ConfigurableApplicationContext catalog1 =
                    start(CatalogApplication.class, CatalogApplication.CONFIG_NAME, mesh, catalogToken, "catalog-1");
            toClose.push(catalog1);
            final ConfigurableApplicationContext catalog2 =
                    start(CatalogApplication.class, CatalogApplication.CONFIG_NAME, mesh, catalogToken, "catalog-2");
            toClose.push(catalog2);
            final ConfigurableApplicationContext shop =
                    start(ShopApplication.class, ShopApplication.CONFIG_NAME, mesh, shopToken, null);
            toClose.push(shop);
            final String shopUrl = "http://127.0.0.1:" + port(shop);
            out.println("catalog    catalog-1, catalog-2: CatalogApi is a @MeshService with @RateLimit(500) and "
                    + "@Timeout(500), served over mTLS");
            out.println("shop       " + shopUrl + "/products/{sku} calls catalog through CatalogClient, a "
                    + "@ServiceClient interface the starter made a bean");
            // The catalog's instances registered as their applications started; the shop only calls, so it does not.
            meshctl.services();
            out.println("$ curl " + shopUrl + "/products/kettle");
            out.println("  "
                    + WebClient.of(shopUrl)
                            .get("/products/kettle")
                            .aggregate()
                            .join()
                            .contentUtf8());
            out.println();

            // Fresh JVMs answer their first calls slowly (class loading, JIT, TLS handshakes): the tables are
            // about the mesh, so a second of traffic goes first and is not counted.
            try (Load warmUp = Load.start(shopUrl, rate)) {
                TimeUnit.SECONDS.sleep(1);
            }

            final Load.Tally all = new Load.Tally();
            final int firstHalf = seconds / 2;
            try (Load load = Load.start(shopUrl, rate)) {
                TimeUnit.SECONDS.sleep(firstHalf);
                printTable("first " + firstHalf + " s: both catalog instances", load.cut(), all);

                meshctl.applyRoutes("catalog", CATALOG_ROUTES, work);
                out.println("catalog-2 leaves while the traffic flows: it deregisters, drains for a second, and "
                        + "stops");
                final CompletableFuture<Void> left = CompletableFuture.runAsync(catalog2::close);
                TimeUnit.SECONDS.sleep(seconds - firstHalf);
                left.get(30, TimeUnit.SECONDS);
                toClose.remove(catalog2);
                load.close(Duration.ofSeconds(10));
                printTable("next " + (seconds - firstHalf) + " s: catalog-2 leaving, then gone", load.cut(), all);
            }
            meshctl.services();

            final ActuatorReport actuator = new ActuatorReport(out);
            actuator.shop(shopUrl);
            actuator.catalog("http://127.0.0.1:" + port(catalog1), "catalog-1");
            out.println();

            out.println("the applications stop: catalog-1 deregisters and drains as its context closes");
            shop.close();
            toClose.remove(shop);
            catalog1.close();
            toClose.remove(catalog1);
            meshctl.services();
            out.println();
            out.println("done: " + all.calls() + " calls through the mesh in " + seconds + " s, " + all.failed()
                    + " failed" + (all.failed() > 0 ? " " + all.failedByStatus() + " (status: calls)" : "") + '.');
            return 0;
        } finally {
            while (!toClose.isEmpty()) {
                toClose.pop().close();
            }
        }
    }

    private static ConfigurableApplicationContext start(
            Class<?> application, String configName, List<String> mesh, Path token, @Nullable String instanceId) {
        final List<String> args = new ArrayList<>(mesh);
        args.add(0, configName);
        args.add("--mesh.join-token-file=" + token);
        if (instanceId != null) {
            args.add("--mesh.instance-id=" + instanceId);
        }
        return new SpringApplicationBuilder(application).run(args.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext context) {
        // The port the web server took, as Spring Boot publishes it once it listens.
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    private void printTable(String title, Load.Tally tally, Load.Tally all) {
        out.println("── " + title + " " + "─".repeat(Math.max(3, 96 - title.length())));
        out.println("  calls  failed      p50      p99   answered by");
        boolean first = true;
        for (Map.Entry<String, Integer> instance : tally.byInstance().entrySet()) {
            final double share = 100.0 * instance.getValue() / Math.max(1, tally.calls());
            final String bar =
                    "█".repeat((int) Math.round(share * 0.3)) + "·".repeat(30 - (int) Math.round(share * 0.3));
            final String answered = String.format("%-10s %6.1f%%  %s", instance.getKey(), share, bar);
            if (first) {
                out.printf(
                        "  %5d  %6d  %7s  %7s   %s%n",
                        tally.calls(),
                        tally.failed(),
                        millis(tally.percentile(50)),
                        millis(tally.percentile(99)),
                        answered);
                first = false;
            } else {
                out.printf("  %5s  %6s  %7s  %7s   %s%n", "", "", "", "", answered);
            }
        }
        if (first) {
            out.printf("  %5d  %6d%n", tally.calls(), tally.failed());
        }
        if (tally.failed() > 0) {
            out.println("  failed, by status (0: no answer): " + tally.failedByStatus());
        }
        out.println();
        all.addAll(tally);
    }

    private static String millis(Duration latency) {
        return String.format("%.1fms", latency.toNanos() / 1e6);
    }

    /** meshctl, run in this JVM against the demo's registry, printed as an operator would type it. */
    private static final class MeshCtlRunner {

        private final MeshRegistry registry;
        private final PrintStream out;

        MeshCtlRunner(MeshRegistry registry, PrintStream out) {
            this.registry = registry;
            this.out = out;
        }

        /** {@code meshctl token create --service SERVICE --uses N > SERVICE.token}; returns the file. */
        Path token(String service, int uses, Path dir) throws Exception {
            out.println("$ meshctl token create --service " + service + " --uses " + uses + " > " + service + ".token");
            final StringWriter token = new StringWriter();
            run(new PrintWriter(token), "token", "create", "--service", service, "--uses", Integer.toString(uses));
            return Files.writeString(
                    dir.resolve(service + ".token"), token.toString().strip());
        }

        /** {@code meshctl services}, printed with its answer: the instances each service has registered. */
        void services() {
            out.println("$ meshctl services");
            final StringWriter answer = new StringWriter();
            run(new PrintWriter(answer), "services");
            final List<String> lines = answer.toString().lines().toList();
            lines.forEach(line -> out.println("  " + line.strip()));
            if (lines.size() < 2) {
                // The registry lists the services that have instances; the header alone is easy to misread.
                out.println("  # no service has an instance left: every one has deregistered");
            }
        }

        /** {@code meshctl routes apply SERVICE -f SERVICE-routes.json}, printed with its answer. */
        void applyRoutes(String service, String json, Path dir) throws Exception {
            final Path file = Files.writeString(dir.resolve(service + "-routes.json"), json);
            out.println("$ meshctl routes apply " + service + " -f " + file.getFileName() + "    # "
                    + json.replaceAll("\\s+", " ").strip());
            final StringWriter answer = new StringWriter();
            run(new PrintWriter(answer), "routes", "apply", service, "-f", file.toString());
            answer.toString().lines().forEach(line -> out.println("  " + line.strip()));
        }

        private void run(PrintWriter out, String... args) {
            final List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of(
                    "--registry",
                    registry.uri().toString(),
                    "--data-dir",
                    registry.dataDir().toString()));
            final StringWriter err = new StringWriter();
            final int status = new CommandLine(MeshCtl.class)
                    .setOut(out)
                    .setErr(new PrintWriter(err))
                    .execute(all.toArray(String[]::new));
            out.flush();
            if (status != 0) {
                throw new IllegalStateException("meshctl " + String.join(" ", args) + " failed: " + err);
            }
        }
    }
}
