package io.mesh4j.kubernetes.discovery;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Starts {@link MockApiServerMain} in a child JVM on this test's class path with its Netty swapped for the one the
 * mock's Vert.x is built on (the build copies it to the directory in {@code mesh4j.mockApiServerNetty}), and talks
 * to it; see the module's pom. Public for the manifest tests (io.mesh4j.kubernetes.manifests), which apply to it.
 */
public final class MockApiServer implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final int port;

    private MockApiServer(Process process) throws IOException {
        this.process = process;
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        final String first = out.readLine();
        if (first == null || !first.startsWith("LISTENING ")) {
            process.destroyForcibly();
            throw new IllegalStateException("mock API server did not start: " + first);
        }
        port = Integer.parseInt(first.substring("LISTENING ".length()));
    }

    public static MockApiServer start() throws IOException {
        final Path netty = Path.of(System.getProperty("mesh4j.mockApiServerNetty", "target/mock-api-server-netty"));
        final List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains(File.separator + "io" + File.separator + "netty" + File.separator)) {
                classPath.add(entry);
            }
        }
        try (Stream<Path> jars = Files.list(netty)) {
            jars.map(Path::toString).filter(name -> name.endsWith(".jar")).forEach(classPath::add);
        }
        final Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-cp",
                        String.join(File.pathSeparator, classPath),
                        MockApiServerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new MockApiServer(process);
    }

    /** A client of this API server in namespace {@code prod}, on the JDK's HTTP client, as mesh-kubernetes ships. */
    public KubernetesClient newClient() {
        final Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + port)
                .withNamespace("prod")
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Answers the next EndpointSlice watch with 410 Gone, after storing {@code missed}. */
    synchronized void goneOnNextWatch(EndpointSlice missed) throws IOException {
        in.println("GONE "
                + Base64.getEncoder()
                        .encodeToString(Serialization.asJson(missed).getBytes(StandardCharsets.UTF_8)));
        expect("OK");
    }

    /** {@code [lists, watches, gone]} of EndpointSlices served so far. */
    synchronized long[] stats() throws IOException {
        in.println("STATS");
        final String[] parts = expect("STATS ").split(" ");
        return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3])};
    }

    private String expect(String prefix) throws IOException {
        final String line = out.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException("mock API server answered " + line + " (expected: " + prefix + "...)");
        }
        return line;
    }

    @Override
    public void close() throws InterruptedException {
        in.close();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
