package io.mesh4j.registry;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The registry as a process: {@code java -jar mesh-registry.jar --port 7070 --data-dir DIR}.
 *
 * <p>It prints one line to stdout once it serves, {@code mesh-registry listening on http://HOST:PORT (data: DIR)},
 * logs to stderr, and stops cleanly on SIGTERM. Anything it cannot start with (a bad flag, a taken port, an
 * unusable or locked data directory) is one line on stderr and exit code 2.
 */
@Command(name = "mesh-registry", mixinStandardHelpOptions = true, sortOptions = false,
         versionProvider = RegistryMain.Version.class,
         description = "Runs the mesh4j registry: services register their instances here and clients watch them.")
public final class RegistryMain implements Callable<Integer> {

    static final int EXIT_USAGE = 2;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + MeshRegistry.DEFAULT_PORT,
            description = "The TCP port to serve the registry's HTTP API on; 0 picks a free one. "
                          + "Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = MeshRegistry.DEFAULT_HOST,
            description = "The address to listen on: 0.0.0.0 for every interface, 127.0.0.1 for this machine "
                          + "only. Default: ${DEFAULT-VALUE}.")
    private String host = MeshRegistry.DEFAULT_HOST;

    @Option(names = "--data-dir", paramLabel = "DIR", required = true,
            description = "The directory that keeps the registry's log, snapshot and lock across restarts; "
                          + "created if missing, and never shared by two registries.")
    private Path dataDir = Path.of("");

    @Spec
    private CommandSpec spec;

    private RegistryMain() {}

    public static void main(String[] args) {
        configureLogging();
        final int exitCode = commandLine().execute(args);
        System.exit(exitCode);
    }

    static CommandLine commandLine() {
        final CommandLine commandLine = new CommandLine(new RegistryMain());
        commandLine.setParameterExceptionHandler((e, args) -> {
            final PrintWriter err = e.getCommandLine().getErr();
            err.println("mesh-registry: " + e.getMessage() + " (see --help)");
            err.flush();
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A bug rather than a setting to change: still one line, with the log holding the rest.
            cmd.getErr().println("mesh-registry: failed: " + e);
            cmd.getErr().flush();
            return 1;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw new ParameterException(spec.commandLine(), String.format("--port: %s (expected: 0..65535)", port));
        }
        final MeshRegistry registry;
        try {
            registry = MeshRegistry.builder().host(host).port(port).dataDir(dataDir).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            registry.start();
        } catch (RegistryStartException e) {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("mesh-registry: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            stopped.countDown();
        }, "mesh-registry-shutdown"));
        final PrintWriter out = spec.commandLine().getOut();
        final String shownHost = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        out.println("mesh-registry listening on http://" + shownHost + ':' + registry.port() + " (data: "
                    + registry.dataDir() + ')');
        out.flush();
        // Serves until SIGTERM (or Ctrl-C) runs the hook above.
        stopped.await();
        return 0;
    }

    /**
     * Logs with time stamps to stderr, unless the user configured slf4j-simple otherwise; Armeria only from WARN,
     * since its start-up INFO lines would bury the registry's own.
     */
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.log.com.linecorp.armeria", "warn");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String version = RegistryMain.class.getPackage().getImplementationVersion();
            return new String[] { "mesh-registry " + (version != null ? version : "(development build)") };
        }
    }
}
