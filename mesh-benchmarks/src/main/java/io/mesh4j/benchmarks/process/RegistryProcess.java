package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * The registry as users run it, {@code RegistryMain} in a process of its own, with TLS and its CA; and what an
 * operator does with it for each workload of a benchmark: a join token, handed over as a file.
 */
public final class RegistryProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("mesh-registry listening on (https?://\\S+)");

    private final ChildProcess process;
    private final URI uri;
    private final Path dataDir;
    private final RegistryTrust.AdminClient admin;

    private RegistryProcess(ChildProcess process, URI uri, Path dataDir) {
        this.process = process;
        this.uri = uri;
        this.dataDir = dataDir;
        admin = RegistryTrust.admin(uri, dataDir);
    }

    /**
     * Starts a registry on a free loopback port, its data in {@code workDir/registry}; returns once it serves.
     */
    public static RegistryProcess start(Path workDir, List<String> jvmFlags) {
        return start(workDir, List.of(), jvmFlags, List.of("--host", "127.0.0.1", "--port", "0"));
    }

    /**
     * Starts a registry as {@link #start(Path, List)} does, with {@code args} (where it listens, its certificates'
     * lifetime...) instead of a free loopback port, behind {@code prefix} (see {@link ChildProcess#startJava(String,
     * List, List, String, List, Path)}). A registry started again on the same {@code workDir} keeps its data, as
     * a restarted registry does; its log is appended to.
     */
    public static RegistryProcess start(Path workDir, List<String> prefix, List<String> jvmFlags, List<String> args) {
        return start(workDir, prefix, jvmFlags, args, null);
    }

    /**
     * Starts a registry as {@link #start(Path, List, List, List)} does, reached at {@code reachHost} rather than
     * the address it says it listens on: for a registry listening on every interface ({@code --host 0.0.0.0}).
     */
    public static RegistryProcess start(
            Path workDir, List<String> prefix, List<String> jvmFlags, List<String> args, @Nullable String reachHost) {
        final Path dataDir = workDir.resolve("registry");
        final List<String> allArgs = new ArrayList<>(args);
        allArgs.addAll(List.of("--data-dir", dataDir.toString()));
        final ChildProcess process = ChildProcess.startJava(
                "registry",
                prefix,
                jvmFlags,
                "io.mesh4j.registry.RegistryMain",
                allArgs,
                workDir.resolve("registry.log"));
        try {
            final URI listening = URI.create(
                    process.awaitLine(LISTENING, Duration.ofSeconds(120)).group(1));
            final URI uri = reachHost == null
                    ? listening
                    : URI.create(listening.getScheme() + "://" + reachHost + ':' + listening.getPort());
            return new RegistryProcess(process, uri, dataDir);
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
    }

    public URI uri() {
        return uri;
    }

    public long pid() {
        return process.pid();
    }

    public ChildProcess process() {
        return process;
    }

    /** The registry's data directory: its CA, its admin token, its trust bundle. */
    public Path dataDir() {
        return dataDir;
    }

    /** The registry's roots, which every workload is given. */
    public Path trustBundle() {
        return dataDir.resolve("trust-bundle.pem");
    }

    /** The operator's client: the admin token, and the registry verified by its own CA. */
    public RegistryClient admin() {
        return admin.client();
    }

    /**
     * A one-use join token for a workload of {@code service}, written to {@code file} as {@code meshctl token
     * create} would.
     */
    public Path joinTokenFile(String service, Path file) {
        final String token = admin().createToken(
                        new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofHours(1), 1))
                .join()
                .token();
        try {
            Files.writeString(file, token);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    @Override
    public void close() {
        admin.close();
        process.close();
    }
}
