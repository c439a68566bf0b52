package io.mesh4j.benchmarks.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.report.Progress;
import io.mesh4j.benchmarks.report.Spread;
import io.mesh4j.benchmarks.report.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 6: what {@code mesh-spring-boot-starter} adds to a Spring Boot 4 application. The same Spring MVC
 * application with the actuator is built twice as a runnable jar, without the starter and with it
 * ({@link StartupApplications}); each start is a fresh JVM running {@code java -jar}, the two taking turns, and
 * the start is over when Spring Boot logs {@code Started ... in}. With the starter the application joins a real
 * registry in a process of its own, over mTLS, with a one-use join token: its start includes getting its
 * certificate, starting the mesh client and registering, as in production. The application serves no
 * {@code @MeshService} (it must be the same code in both), so no mesh server is started.
 *
 * <p>It reports the median of the starts (wall time from {@code java -jar} to the log line, and Spring Boot's own
 * "process running for"), the difference, and the weight the starter adds: the runnable jars' sizes and the
 * libraries ({@code BOOT-INF/lib}) the starter brings.
 */
@Command(
        name = "spring-startup",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Prices mesh-spring-boot-starter in start-up time and jar size against the same Spring Boot 4 "
                + "application without it.")
public final class SpringStartupBenchmark implements Callable<Integer> {

    private static final Pattern STARTED =
            Pattern.compile("Started StartupApplication in ([0-9.]+) seconds \\(process running for ([0-9.]+)\\)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @Option(
            names = "--starts",
            defaultValue = "7",
            description = "Measured starts of each application; the median is reported. Default: 7.")
    int starts;

    @Option(
            names = "--warmup-starts",
            defaultValue = "1",
            description = "Unmeasured starts of each first, so that the jars are in the page cache. Default: 1.")
    int warmupStarts;

    @Option(
            names = "--work-dir",
            description = "Where the applications are written and built. Default: mesh-benchmarks/target/"
                    + "spring-startup of the project.")
    @Nullable
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (starts < 1 || warmupStarts < 0) {
            System.err.println("spring-startup: --starts must be at least 1 and --warmup-starts at least 0");
            return 2;
        }
        final Path project = project();
        final Path work =
                workDir != null ? workDir.toAbsolutePath() : project.resolve("mesh-benchmarks/target/spring-startup");
        Files.createDirectories(work);
        final Progress progress = Progress.toStderr("spring-startup", 3 + 2.0 * (starts + warmupStarts));
        final StartupApplications applications = new StartupApplications(project, work);
        progress.say("installing this build's starter into " + work.resolve("repository"));
        applications.installStarter();
        progress.step("installed");
        final Path plain = applications.build(false);
        progress.step("built " + plain);
        final Path mesh = applications.build(true);
        progress.step("built " + mesh);

        final List<Double> plainWall = new ArrayList<>();
        final List<Double> plainSpring = new ArrayList<>();
        final List<Double> meshWall = new ArrayList<>();
        final List<Double> meshSpring = new ArrayList<>();
        try (RegistryProcess registry = RegistryProcess.start(work, List.of())) {
            for (int i = 0; i < warmupStarts + starts; i++) {
                final boolean measured = i >= warmupStarts;
                // The order alternates, so that neither application always starts on a machine the other warmed.
                final boolean meshFirst = i % 2 == 1;
                for (boolean withStarter : meshFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    final double[] took = start(withStarter ? mesh : plain, withStarter ? registry : null, work, i);
                    if (measured) {
                        (withStarter ? meshWall : plainWall).add(took[0]);
                        (withStarter ? meshSpring : plainSpring).add(took[1]);
                    }
                    progress.step(String.format(
                            Locale.ROOT,
                            "%s start %d%s: %.0f ms (Spring: process running for %.0f ms)",
                            withStarter ? "with the starter" : "without",
                            i + 1,
                            measured ? "" : " (warm-up)",
                            took[0],
                            took[1]));
                }
            }
        }

        final Spread plainWallSpread = Spread.of(plainWall);
        final Spread meshWallSpread = Spread.of(meshWall);
        final Spread plainSpringSpread = Spread.of(plainSpring);
        final Spread meshSpringSpread = Spread.of(meshSpring);
        System.out.println("### Start-up, median of " + starts + " starts each (range), ms");
        System.out.println();
        System.out.print(Table.of("", "without the starter", "with the starter", "added")
                .alignLeft(1)
                .row(
                        "java -jar to \"Started\"",
                        plainWallSpread.format(SpringStartupBenchmark::millis),
                        meshWallSpread.format(SpringStartupBenchmark::millis),
                        millis(meshWallSpread.median() - plainWallSpread.median()))
                .row(
                        "Spring's \"process running for\"",
                        plainSpringSpread.format(SpringStartupBenchmark::millis),
                        meshSpringSpread.format(SpringStartupBenchmark::millis),
                        millis(meshSpringSpread.median() - plainSpringSpread.median())));
        System.out.println();
        printWeight(plain, mesh);
        return 0;
    }

    /**
     * Starts {@code jar} in a fresh JVM, waits for Spring Boot's "Started" line, and stops it.
     *
     * @return the wall time to the line and Spring's "process running for", in milliseconds
     */
    private static double[] start(Path jar, @Nullable RegistryProcess registry, Path work, int round) {
        final List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString(), "--server.port=0"));
        final String name = (registry != null ? "mesh" : "plain") + '-' + (round + 1);
        // Spring Boot logs to standard output, which is read for the "Started" line: a copy in a file, for when a
        // start fails.
        command.add("--logging.file.name=" + work.resolve(name + ".log"));
        if (registry != null) {
            final Path token = registry.joinTokenFile("startup", work.resolve("startup.token"));
            command.addAll(List.of(
                    "--mesh.registry=" + registry.uri(),
                    "--mesh.join-token-file=" + token,
                    "--mesh.trust-bundle-file=" + registry.trustBundle(),
                    "--mesh.advertised-host=127.0.0.1",
                    "--mesh.drain-period=0s"));
        }
        final long began = System.nanoTime();
        try (ChildProcess app = ChildProcess.start(name, command, work.resolve(name + ".stderr.log"))) {
            final Matcher started = app.awaitLine(STARTED, START_TIMEOUT);
            final double wall = (System.nanoTime() - began) / 1e6;
            return new double[] {wall, Double.parseDouble(started.group(2)) * 1000};
        }
    }

    /** The runnable jars' sizes, and the libraries the starter adds to the application's. */
    private static void printWeight(Path plain, Path mesh) throws IOException {
        final Map<String, Long> plainLibs = libraries(plain);
        final Map<String, Long> meshLibs = libraries(mesh);
        final List<Map.Entry<String, Long>> added = meshLibs.entrySet().stream()
                .filter(lib -> !plainLibs.containsKey(lib.getKey()))
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .toList();
        final long addedBytes = added.stream().mapToLong(Map.Entry::getValue).sum();
        System.out.println("### Weight");
        System.out.println();
        System.out.print(Table.of("", "without the starter", "with the starter", "added")
                .alignLeft(1)
                .row(
                        "runnable jar",
                        megabytes(Files.size(plain)),
                        megabytes(Files.size(mesh)),
                        megabytes(Files.size(mesh) - Files.size(plain)))
                .row(
                        "libraries (BOOT-INF/lib)",
                        plainLibs.size() + " jars",
                        meshLibs.size() + " jars",
                        added.size() + " jars, " + megabytes(addedBytes)));
        System.out.println();
        final Table biggest = Table.of("library the starter adds", "size").alignLeft(1);
        added.stream().limit(12).forEach(lib -> biggest.row(lib.getKey(), megabytes(lib.getValue())));
        System.out.print(biggest);
    }

    /** The libraries in a runnable jar's {@code BOOT-INF/lib}, by file name, with their sizes. */
    private static Map<String, Long> libraries(Path jar) throws IOException {
        final Map<String, Long> libraries = new HashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream()
                    .filter(entry -> entry.getName().startsWith("BOOT-INF/lib/")
                            && entry.getName().endsWith(".jar"))
                    .forEach(entry ->
                            libraries.put(entry.getName().substring("BOOT-INF/lib/".length()), entry.getSize()));
        }
        return libraries;
    }

    /** The project this benchmark's jar was built in: {@code mesh-benchmarks/target/mesh-benchmarks.jar}'s root. */
    private static Path project() {
        try {
            final Path jar = Path.of(SpringStartupBenchmark.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            final @Nullable Path root =
                    jar.getParent() == null || jar.getParent().getParent() == null
                            ? null
                            : jar.getParent().getParent().getParent();
            if (root == null || !Files.isRegularFile(root.resolve("mvnw"))) {
                throw new IllegalStateException("spring-startup runs from mesh-benchmarks/target/mesh-benchmarks.jar "
                        + "of a mesh4j checkout (bin/bench spring-startup); " + jar + " is not there");
            }
            return root;
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%,.0f", ms);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
