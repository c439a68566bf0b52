package io.mesh4j.examples.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A registry in its own process, as {@code java -jar mesh-registry.jar} would run it.
 */
public final class RegistryProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("mesh-registry listening on (https?://\\S+)");

    private final ChildJvm jvm;
    private final URI uri;
    private final Path dataDir;

    private RegistryProcess(ChildJvm jvm, URI uri, Path dataDir) {
        this.jvm = jvm;
        this.uri = uri;
        this.dataDir = dataDir;
    }

    /**
     * Starts a registry on {@code port} (0 for any free one) with its data in {@code dataDir}; returns once it
     * serves. What it logs goes to {@code log}.
     */
    public static RegistryProcess start(int port, Path dataDir, Path log, Duration timeout, String... moreFlags)
            throws IOException {
        final List<String> flags = new ArrayList<>(
                List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        flags.addAll(List.of(moreFlags));
        final ChildJvm jvm = ChildJvm.start("io.mesh4j.registry.RegistryMain", flags, LISTENING, log, timeout);
        return new RegistryProcess(jvm, URI.create(jvm.readyGroup(LISTENING)), dataDir);
    }

    /** Where the registry keeps its data, its admin token and its trust bundle among them. */
    public Path dataDir() {
        return dataDir;
    }

    public URI uri() {
        return uri;
    }

    public long pid() {
        return jvm.pid();
    }

    /** Kills the registry as {@code kill -9} does. */
    public void kill() {
        jvm.kill();
    }

    @Override
    public void close() {
        jvm.close();
    }

    @Override
    public String toString() {
        return "the registry (pid " + pid() + ')';
    }
}
