package io.mesh4j.registry;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.cli.DurationConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The registry as a process: {@code java -jar mesh-registry.jar --port 7070 --data-dir DIR}.
 *
 * <p>It prints one line to stdout once it serves, {@code mesh-registry listening on http://HOST:PORT (data: DIR)},
 * logs to stderr, and stops cleanly on SIGTERM. Anything it cannot start with (a bad flag, a taken port, an
 * unusable or locked data directory) is one line on stderr and exit code 2.
 */
@Command(
        name = "mesh-registry",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        versionProvider = RegistryMain.Version.class,
        description = "Runs the mesh4j registry: services register their instances here and clients watch them.")
public final class RegistryMain implements Callable<Integer> {

    static final int EXIT_USAGE = 2;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "" + MeshRegistry.DEFAULT_PORT,
            description = "The TCP port to serve the registry's API on (HTTPS, or HTTP with --plaintext); 0 picks a "
                    + "free one. "
                    + "Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            defaultValue = MeshRegistry.DEFAULT_HOST,
            description = "The address to listen on: 0.0.0.0 for every interface, 127.0.0.1 for this machine "
                    + "only. Default: ${DEFAULT-VALUE}.")
    private String host = MeshRegistry.DEFAULT_HOST;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            required = true,
            description = "The directory that keeps the registry's log, snapshot and lock across restarts, and "
                    + "audit.log, a line for every admin action; created if missing, and never shared by two "
                    + "registries.")
    private Path dataDir = Path.of("");

    @Option(
            names = "--trust-domain",
            paramLabel = "NAME",
            defaultValue = MeshRegistry.DEFAULT_TRUST_DOMAIN,
            description = "The trust domain of the mesh's SPIFFE IDs (spiffe://NAME/svc/<service>). "
                    + "Default: ${DEFAULT-VALUE}.")
    private String trustDomain = MeshRegistry.DEFAULT_TRUST_DOMAIN;

    @Option(
            names = "--leaf-ttl",
            paramLabel = "DURATION",
            defaultValue = "24h",
            converter = DurationConverter.class,
            description = "How long the certificates the registry issues live (30s, 15m, 24h...); workloads renew "
                    + "them at two thirds of that. Default: ${DEFAULT-VALUE}.")
    private Duration leafTtl = MeshRegistry.DEFAULT_LEAF_LIFETIME;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "A root certificate (PEM) to issue from, instead of the one the registry makes on its "
                    + "first start; needs --ca-key.")
    private @Nullable Path caCert;

    @Option(names = "--ca-key", paramLabel = "FILE", description = "The private key (PEM) of --ca-cert.")
    private @Nullable Path caKey;

    @Option(
            names = "--tls-name",
            paramLabel = "NAME",
            description = "Another DNS name or address the registry is reached by, for its certificate; repeatable. "
                    + "localhost and this machine's name and addresses are always in it.")
    private List<String> tlsNames = new ArrayList<>();

    @Option(
            names = "--csr-rate",
            paramLabel = "PER_SECOND",
            defaultValue = "20",
            description = "Certificate requests per second the registry takes from one source address, after "
                    + "--csr-burst; more are answered 429 with Retry-After, which workloads wait out. Workloads "
                    + "behind one NAT share an address. Default: ${DEFAULT-VALUE}.")
    private double csrRate = 20;

    @Option(
            names = "--csr-burst",
            paramLabel = "N",
            defaultValue = "400",
            description = "Certificate requests one source address may make at once, before --csr-rate applies: "
                    + "how many workloads behind one address may start together. Default: ${DEFAULT-VALUE}.")
    private int csrBurst = 400;

    @Option(
            names = "--default-policy",
            paramLabel = "allow|deny",
            description = "What decides a request to a service that no access policy and no @AllowCallers "
                    + "decides, mesh-wide: deny (zero trust, recommended) or allow. Put in force at every start; "
                    + "without it, the default kept in the data directory stays (allow at the first start). "
                    + "meshctl policies default shows and changes it live.")
    private @Nullable String defaultPolicy;

    @Option(
            names = "--etcd",
            paramLabel = "URL",
            split = ",",
            description = "Keep the instances, route configs, access policies, the mesh-wide default policy, join "
                    + "tokens, the trust state (roots in force, revocations) and the issued certificates' serials in "
                    + "this etcd cluster "
                    + "(its client URLs, such as http://10.0.0.1:2379,http://10.0.0.2:2379) instead of the data "
                    + "directory, so that several registries over one cluster serve one mesh. Each replica keeps its "
                    + "own --data-dir (its lock, CA files, admin token, audit log); give every replica the same "
                    + "--ca-cert and --ca-key so that they issue under one root (a replica with another root than the "
                    + "mesh's does not start).")
    private List<String> etcd = new ArrayList<>();

    @Option(
            names = "--lease-slack",
            paramLabel = "PERCENT",
            description = "With --etcd: each instance's etcd lease is granted its TTL plus this share of it, and a "
                    + "heartbeat is answered without a round trip to etcd while etcd already holds the instance at "
                    + "least its TTL past it. An acknowledged heartbeat always holds the instance for its TTL; one "
                    + "that stops heartbeating is removed between its TTL and its TTL plus the slack. 0 to 100; 0 "
                    + "sends etcd a keep-alive per heartbeat. Default: 50.")
    private @Nullable Integer leaseSlack;

    @Option(
            names = "--kubernetes-token-review",
            description = "Let pods join with their projected service-account token (audience mesh4j) instead of a "
                    + "join token: the registry asks the Kubernetes API server's TokenReview whose token it is and "
                    + "issues the certificate of the service it maps that account to (by default the account's "
                    + "own name, in --kubernetes-namespaces). In a pod, the API server, its CA and the registry's "
                    + "credentials are the pod's own; its service account needs create on tokenreviews.")
    private boolean kubernetesTokenReview;

    @Option(
            names = "--kubernetes-namespaces",
            paramLabel = "NAMESPACE",
            split = ",",
            description = "With --kubernetes-token-review: the namespaces whose service accounts join, each as the "
                    + "service of its own name. The registry pod's own namespace unless given.")
    private List<String> kubernetesNamespaces = new ArrayList<>();

    @Option(
            names = "--kubernetes-account",
            paramLabel = "NAMESPACE/ACCOUNT=SERVICE",
            description = "With --kubernetes-token-review: a service account that joins as another service than "
                    + "its name, such as shop/orders-v2=orders. Repeatable.")
    private List<String> kubernetesAccounts = new ArrayList<>();

    @Option(
            names = "--kubernetes-api",
            paramLabel = "URL",
            description = "With --kubernetes-token-review: the API server, such as https://10.96.0.1:443, or "
                    + "http://127.0.0.1:8001 of kubectl proxy. The pod's own (KUBERNETES_SERVICE_HOST) unless "
                    + "given.")
    private @Nullable URI kubernetesApi;

    @Option(
            names = "--kubernetes-ca",
            paramLabel = "FILE",
            description = "With --kubernetes-api: the CA bundle (PEM) of the API server's certificate.")
    private @Nullable Path kubernetesCa;

    @Option(
            names = "--kubernetes-credentials",
            paramLabel = "FILE",
            description = "With --kubernetes-api: a file holding the registry's bearer token for the API server, "
                    + "read at every review.")
    private @Nullable Path kubernetesCredentials;

    @Option(
            names = "--plaintext",
            description = "Serve without TLS: no certificates, no authentication of callers, nothing encrypted. "
                    + "For a trusted network only; the registry warns at start.")
    private boolean plaintext;

    @Spec
    private CommandSpec spec;

    private RegistryMain() {}

    /**
     * Runs the registry until the process is stopped; SIGTERM closes it cleanly first. It exits with 2 for anything
     * it cannot start with (a bad flag, a taken port, an unusable or locked data directory) and 1 for a failure it
     * did not foresee, each said in one line on stderr. {@code --help} lists the flags.
     *
     * @param args the command line, such as {@code --port 7070 --data-dir /var/lib/mesh-registry}
     */
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

    private List<URI> etcdEndpoints() {
        final List<URI> endpoints = new ArrayList<>();
        for (String endpoint : etcd) {
            final String expected = "--etcd: " + endpoint + " (expected: http://host:port[,http://host:port...], "
                    + "such as http://127.0.0.1:2379)";
            final URI uri;
            try {
                uri = new URI(endpoint.strip());
            } catch (URISyntaxException e) {
                throw new ParameterException(spec.commandLine(), expected);
            }
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new ParameterException(spec.commandLine(), expected);
            }
            endpoints.add(uri);
        }
        return endpoints;
    }

    /** The rule of the --kubernetes-* flags; {@code null} without --kubernetes-token-review. */
    private @Nullable KubernetesTokenReview kubernetesTokenReview() {
        if (!kubernetesTokenReview) {
            if (!kubernetesNamespaces.isEmpty()
                    || !kubernetesAccounts.isEmpty()
                    || kubernetesApi != null
                    || kubernetesCa != null
                    || kubernetesCredentials != null) {
                throw new ParameterException(
                        spec.commandLine(), "the --kubernetes-* flags go with --kubernetes-token-review");
            }
            return null;
        }
        if (kubernetesApi == null && (kubernetesCa != null || kubernetesCredentials != null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--kubernetes-ca and --kubernetes-credentials go with "
                            + "--kubernetes-api (in a pod, the pod's own are used)");
        }
        try {
            final KubernetesTokenReview.Builder rule;
            if (kubernetesApi != null) {
                rule = KubernetesTokenReview.builder(kubernetesApi);
                if (kubernetesCa != null) {
                    rule.caFile(kubernetesCa);
                }
                if (kubernetesCredentials != null) {
                    rule.credentialsFile(kubernetesCredentials);
                }
            } else {
                rule = KubernetesTokenReview.inCluster();
            }
            rule.namespaces(kubernetesNamespaces);
            for (String account : kubernetesAccounts) {
                final int slash = account.indexOf('/');
                final int equals = account.indexOf('=');
                if (slash <= 0 || equals <= slash + 1 || equals == account.length() - 1) {
                    throw new IllegalArgumentException("--kubernetes-account: " + account
                            + " (expected: NAMESPACE/ACCOUNT=SERVICE, such as shop/orders-v2=orders)");
                }
                rule.serviceAccount(
                        account.substring(0, slash),
                        account.substring(slash + 1, equals),
                        account.substring(equals + 1));
            }
            return rule.build();
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            throw new ParameterException(spec.commandLine(), "--kubernetes-token-review: " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw new ParameterException(spec.commandLine(), String.format("--port: %s (expected: 0..65535)", port));
        }
        if ((caCert == null) != (caKey == null)) {
            throw new ParameterException(
                    spec.commandLine(), "--ca-cert and --ca-key go together: give both or neither");
        }
        final @Nullable DefaultPolicy chosenDefault;
        try {
            chosenDefault = defaultPolicy == null ? null : DefaultPolicy.of(defaultPolicy);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--default-policy: " + e.getMessage());
        }
        final @Nullable KubernetesTokenReview tokenReview = kubernetesTokenReview();
        final MeshRegistry registry;
        try {
            final MeshRegistry.Builder builder = MeshRegistry.builder()
                    .host(host)
                    .port(port)
                    .dataDir(dataDir)
                    .trustDomain(trustDomain)
                    .leafLifetime(leafTtl)
                    .csrRateLimit(csrRate, csrBurst);
            tlsNames.forEach(builder::tlsName);
            if (caCert != null && caKey != null) {
                builder.operatorRoot(caCert, caKey);
            }
            if (plaintext) {
                builder.plaintext();
            }
            if (!etcd.isEmpty()) {
                builder.etcd(etcdEndpoints());
            }
            if (leaseSlack != null) {
                if (etcd.isEmpty()) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "--lease-slack applies with --etcd only: without it the registry keeps the TTLs itself");
                }
                if (leaseSlack < 0 || leaseSlack > 100) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "--lease-slack: " + leaseSlack + " (expected: 0 to 100, in percent of the TTL)");
                }
                builder.leaseSlack(leaseSlack);
            }
            if (chosenDefault != null) {
                builder.defaultPolicy(chosenDefault);
            }
            if (tokenReview != null) {
                builder.kubernetesTokenReview(tokenReview);
            }
            registry = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
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
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            registry.close();
                            stopped.countDown();
                        },
                        "mesh-registry-shutdown"));
        final PrintWriter out = spec.commandLine().getOut();
        final String shownHost = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        out.println("mesh-registry listening on " + (plaintext ? "http://" : "https://") + shownHost + ':'
                + registry.port() + " (data: " + registry.dataDir() + ')');
        if (!plaintext) {
            out.println(
                    "  trust bundle for workloads: " + registry.dataDir().resolve(CertificateAuthority.TRUST_BUNDLE));
            out.println("  admin token for meshctl:    " + registry.dataDir().resolve("admin.token"));
        }
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
            return new String[] {"mesh-registry " + (version != null ? version : "(development build)")};
        }
    }
}
