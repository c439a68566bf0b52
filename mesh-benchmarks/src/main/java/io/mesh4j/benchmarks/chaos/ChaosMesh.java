package io.mesh4j.benchmarks.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.report.Progress;

/**
 * The chaos run's processes, each in a namespace of its own on {@link Network}: a registry, instances of one
 * service in two zones, and clients sending steady load. It starts, kills, freezes and restarts them as the
 * scenarios ask, and {@link #close()} stops every one of them and deletes the network, whatever state a scenario
 * left them in.
 */
final class ChaosMesh implements AutoCloseable {

    /**
     * Small heaps and the C1 compiler only: up to eight JVMs share two cores, and none of them is what is measured
     * for speed. The same flags for every process.
     */
    static final List<String> JVM_FLAGS = List.of(
            "-Xms32m",
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dorg.slf4j.simpleLogger.log.com.linecorp.armeria=warn");

    static final int REGISTRY_PORT = 7070;
    private static final Pattern SERVING = Pattern.compile("^serving ");
    private static final Pattern READY = Pattern.compile("^ready$");
    private static final Pattern DUMPED = Pattern.compile("^dumped (\\d+)$");
    private static final Pattern DELAYED = Pattern.compile("^delayed ");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /** An instance of the service: where it runs, and its process while it runs. */
    static final class Instance {
        final String id;
        final String zone;
        final Network.Node node;

        @Nullable
        ChildProcess process;

        Instance(String id, String zone, Network.Node node) {
            this.id = id;
            this.zone = zone;
            this.node = node;
        }
    }

    /** A client sending load, and the file its records are dumped to. */
    record Client(String name, Network.Node node, ChildProcess process) {}

    private final Network network;
    private final Path dir;
    private final Progress progress;
    private final Network.Node registryNode;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final List<Client> clients = new ArrayList<>();
    private @Nullable RegistryProcess registry;
    private Duration leafTtl;
    private int started;

    private ChaosMesh(Network network, Path dir, Progress progress, Duration leafTtl) {
        this.network = network;
        this.dir = dir;
        this.progress = progress;
        this.leafTtl = leafTtl;
        registryNode = network.add("registry");
    }

    /**
     * Makes the network and starts the registry, {@code instancesPerZone} instances in each of the zones
     * {@code a} and {@code b} (a1, a2, ..., b1, ...) and {@code clients} clients, each sending {@code rate} calls
     * per second.
     */
    static ChaosMesh start(Path dir, Progress progress, int instancesPerZone, int clients, int rate, Duration leafTtl) {
        final Network network = Network.create();
        ChaosMesh mesh = null;
        try {
            mesh = new ChaosMesh(network, dir, progress, leafTtl);
            mesh.startAll(instancesPerZone, clients, rate);
            return mesh;
        } catch (RuntimeException e) {
            if (mesh != null) {
                mesh.close();
            } else {
                network.close();
            }
            throw e;
        }
    }

    private void startAll(int instancesPerZone, int clientCount, int rate) {
        progress.say("starting the registry in " + registryNode.namespace() + " (" + registryNode.ip() + ')');
        startRegistry();
        for (String zone : List.of("a", "b")) {
            for (int i = 1; i <= instancesPerZone; i++) {
                final String id = zone + i;
                final Network.Node node = network.add(id);
                // Every connection from outside reaches the instance through its relay (DelayRelay).
                network.nft(
                        node,
                        "table ip chaosnat {\n  chain prerouting { type nat hook prerouting priority -100; "
                                + "policy accept; tcp dport " + ChaosInstance.PORT + " redirect to :"
                                + ChaosInstance.RELAY_PORT
                                + "; }\n}\n");
                instances.put(id, new Instance(id, zone, node));
            }
        }
        for (Instance instance : instances.values()) {
            progress.say(
                    "starting instance " + instance.id + " (zone " + instance.zone + ", " + instance.node.ip() + ')');
            startInstance(instance);
        }
        for (int i = 1; i <= clientCount; i++) {
            final String name = "c" + i;
            final Network.Node node = network.add(name);
            progress.say("starting client " + name + " (" + node.ip() + ", " + rate + " calls/s)");
            final List<String> args = new ArrayList<>(identityArgs("loadgen", name));
            args.addAll(List.of("--rate", Integer.toString(rate), "--instances", Integer.toString(instances.size())));
            final ChildProcess process = ChildProcess.startJava(
                    name, node.exec(), JVM_FLAGS, ChaosClient.class.getName(), args, dir.resolve(name + ".log"));
            clients.add(new Client(name, node, process));
            process.awaitLine(READY, START_TIMEOUT);
        }
    }

    /** Starts the registry on its data directory: at first, and again after a kill or with a new leaf lifetime. */
    void startRegistry() {
        registry = RegistryProcess.start(
                dir,
                registryNode.exec(),
                JVM_FLAGS,
                // Its namespace's one address, as an operator binds a registry to one interface of its host.
                List.of(
                        "--host",
                        registryNode.ip(),
                        "--port",
                        Integer.toString(REGISTRY_PORT),
                        "--tls-name",
                        registryNode.ip(),
                        "--leaf-ttl",
                        leafTtl.toSeconds() + "s"),
                registryNode.ip());
    }

    /** Restarts the registry gracefully (SIGTERM) with certificates that live {@code ttl} from now on. */
    void restartRegistry(Duration ttl) {
        registry().close();
        leafTtl = ttl;
        startRegistry();
    }

    RegistryProcess registry() {
        if (registry == null) {
            throw new IllegalStateException("the registry is not running");
        }
        return registry;
    }

    /** Kills the registry as {@code kill -9} does. */
    void killRegistry() {
        registry().process().kill();
        registry().close();
        registry = null;
    }

    /** How long the registry's certificates live, when no scenario shortens them. */
    Duration leafTtl() {
        return leafTtl;
    }

    Network.Node registryNode() {
        return registryNode;
    }

    /** Starts {@code instance} (again), and returns once it is registered. */
    void startInstance(Instance instance) {
        final List<String> args = new ArrayList<>(identityArgs(ChaosInstance.SERVICE, instance.id));
        args.addAll(List.of("--id", instance.id, "--zone", instance.zone, "--host", instance.node.ip()));
        final ChildProcess process = ChildProcess.startJava(
                instance.id,
                instance.node.exec(),
                JVM_FLAGS,
                ChaosInstance.class.getName(),
                args,
                dir.resolve(instance.id + ".log"));
        instance.process = process;
        process.awaitLine(SERVING, START_TIMEOUT);
    }

    /**
     * The registry, the trust bundle as the registry serves it now (never a file from before a CA rotation), and
     * a new one-use join token for {@code service}.
     */
    private List<String> identityArgs(String service, String name) {
        final int n = ++started;
        final Path bundle = dir.resolve(name + '-' + n + "-trust-bundle.pem");
        try {
            Files.writeString(bundle, registry().admin().trustBundle().join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + bundle, e);
        }
        final Path token = registry().joinTokenFile(service, dir.resolve(name + '-' + n + ".token"));
        return List.of(
                "--registry",
                registry().uri().toString(),
                "--trust-bundle",
                bundle.toString(),
                "--join-token-file",
                token.toString());
    }

    Instance instance(String id) {
        final Instance instance = instances.get(id);
        if (instance == null) {
            throw new IllegalArgumentException("no instance " + id + " (expected one of " + instances.keySet() + ')');
        }
        return instance;
    }

    List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    List<Client> clients() {
        return List.copyOf(clients);
    }

    Network network() {
        return network;
    }

    ChildProcess process(Instance instance) {
        if (instance.process == null) {
            throw new IllegalStateException("instance " + instance.id + " is not running");
        }
        return instance.process;
    }

    /** Sends {@code kill -SIGNAL} to a process: STOP and CONT, which Java cannot send. */
    static void signal(ChildProcess process, String signal) {
        Network.run(List.of("kill", "-" + signal, Long.toString(process.pid())));
    }

    /** Sets every instance's answers' delay (see {@link DelayRelay}). */
    void delayAll(long meanMillis, long jitterMillis) {
        for (Instance instance : instances.values()) {
            process(instance).ask("delay " + meanMillis + ' ' + jitterMillis, DELAYED, Duration.ofSeconds(30));
        }
    }

    /** Every client's records since the last call, as lines, each client's prefixed by its name. */
    List<String> takeRecords(String label) {
        final List<String> lines = new ArrayList<>();
        for (Client client : clients) {
            final Path file = dir.resolve(label + '-' + client.name() + ".records");
            client.process().ask("dump " + file, DUMPED, Duration.ofSeconds(60));
            try {
                for (String line : Files.readAllLines(file)) {
                    lines.add(client.name() + ' ' + line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return lines;
    }

    @Override
    public void close() {
        for (Client client : clients) {
            client.process().kill();
        }
        for (Instance instance : instances.values()) {
            if (instance.process != null && instance.process.isAlive()) {
                signal(instance.process, "CONT");
                instance.process.kill();
            }
        }
        if (registry != null) {
            registry.process().kill();
            registry.close();
        }
        network.close();
    }
}
