package io.mesh4j.benchmarks.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The chaos run's network: one network namespace per process, each joined by a veth pair to a bridge in a hub
 * namespace of its own, so that a fault set on one namespace's link (an nftables rule, a tc qdisc) hits real
 * packets of that process only. The machine running the run reaches the hub through one more veth pair, for the
 * operator's calls to the registry.
 *
 * <p>Everything is named {@value #PREFIX}...: {@link #removeStale()} deletes whatever a crashed run left (killing
 * the processes still inside its namespaces first), and {@link #close()} what this run made. Deleting a namespace
 * deletes its links, their veth peers and its nftables tables with it.
 */
final class Network implements AutoCloseable {

    static final String PREFIX = "m4c-";
    private static final String HUB = PREFIX + "hub";
    private static final String HOST_LINK = PREFIX + "host";
    private static final String SUBNET = "10.77.0.";
    /** This machine's address on the chaos network. */
    static final String HOST_IP = SUBNET + "254";
    /** The interface inside every namespace. */
    static final String LINK = "eth0";

    /** A namespace and its address. */
    record Node(String name, String namespace, String ip) {

        /** The command prefix that runs a program inside this node. */
        List<String> exec() {
            return List.of("ip", "netns", "exec", namespace);
        }
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private int nextHost = 2;

    private Network() {}

    /**
     * Why this machine cannot run the chaos suite, or {@code null} when it can: it needs root, {@code ip netns},
     * {@code nft} and {@code tc}.
     */
    static @Nullable String missingPrerequisite() {
        final String uid = outputOf(List.of("id", "-u"));
        if (!"0".equals(uid.trim())) {
            return "the chaos suite needs root (it makes network namespaces, veth pairs and nftables rules); "
                    + "this runs as uid " + uid.trim() + ": run it as root (sudo bin/chaos), as CI does";
        }
        for (List<String> probe :
                List.of(List.of("ip", "netns", "list"), List.of("nft", "--version"), List.of("tc", "-V"))) {
            try {
                run(probe);
            } catch (RuntimeException e) {
                return "the chaos suite needs '" + probe.get(0) + "' (iproute2 and nftables; on Debian: "
                        + "apt-get install iproute2 nftables): " + e.getMessage();
            }
        }
        return null;
    }

    /** Makes the hub, its bridge and this machine's link to it. */
    static Network create() {
        removeStale();
        final Network network = new Network();
        try {
            run(List.of("ip", "netns", "add", HUB));
            run(List.of("ip", "-n", HUB, "link", "set", "lo", "up"));
            run(List.of("ip", "-n", HUB, "link", "add", "br0", "type", "bridge"));
            run(List.of("ip", "-n", HUB, "link", "set", "br0", "up"));
            run(List.of("ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", "host", "netns", HUB));
            run(List.of("ip", "-n", HUB, "link", "set", "host", "master", "br0", "up"));
            run(List.of("ip", "addr", "add", HOST_IP + "/24", "dev", HOST_LINK));
            run(List.of("ip", "link", "set", HOST_LINK, "up"));
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /**
     * Adds a namespace for {@code name} on the bridge, with the next free address, loopback up, and an empty
     * nftables table {@code inet chaos} whose input and output chains the faults add rules to.
     */
    Node add(String name) {
        final String namespace = PREFIX + name;
        final String ip = SUBNET + nextHost++;
        // The hub's end is named after the node: at most 15 characters, as every interface name.
        final String hubEnd = "h-" + name;
        run(List.of("ip", "netns", "add", namespace));
        run(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
        run(List.of("ip", "-n", HUB, "link", "add", hubEnd, "type", "veth", "peer", "name", LINK, "netns", namespace));
        run(List.of("ip", "-n", HUB, "link", "set", hubEnd, "master", "br0", "up"));
        run(List.of("ip", "-n", namespace, "addr", "add", ip + "/24", "dev", LINK));
        run(List.of("ip", "-n", namespace, "link", "set", LINK, "up"));
        final Node node = new Node(name, namespace, ip);
        nft(
                node,
                "table inet chaos {\n"
                        + "  chain input { type filter hook input priority 0; policy accept; }\n"
                        + "  chain output { type filter hook output priority 0; policy accept; }\n"
                        + "}\n");
        nodes.put(name, node);
        return node;
    }

    Node node(String name) {
        final Node node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " (expected one of " + nodes.keySet() + ')');
        }
        return node;
    }

    /** Runs an nftables script inside {@code node}'s namespace. */
    void nft(Node node, String script) {
        run(List.of("ip", "netns", "exec", node.namespace(), "nft", "-f", "-"), script);
    }

    /** Drops every rule a fault added to {@code node}'s chains. */
    void clearRules(Node node) {
        nft(node, "flush chain inet chaos input\nflush chain inet chaos output\n");
    }

    /**
     * Makes both directions of {@code node}'s link a slow one, with a token bucket filter on its end and on the
     * hub's end: what leaves {@code node} and what comes to it.
     */
    void slowLink(Node node, String tbf) {
        final List<String> args = List.of(tbf.split(" "));
        final List<String> inside = new ArrayList<>(
                List.of("ip", "netns", "exec", node.namespace(), "tc", "qdisc", "add", "dev", LINK, "root", "tbf"));
        inside.addAll(args);
        run(inside);
        final List<String> hub = new ArrayList<>(
                List.of("ip", "netns", "exec", HUB, "tc", "qdisc", "add", "dev", "h-" + node.name(), "root", "tbf"));
        hub.addAll(args);
        run(hub);
    }

    /** Gives {@code node}'s link back its normal speed. */
    void normalLink(Node node) {
        run(List.of("ip", "netns", "exec", node.namespace(), "tc", "qdisc", "del", "dev", LINK, "root"));
        run(List.of("ip", "netns", "exec", HUB, "tc", "qdisc", "del", "dev", "h-" + node.name(), "root"));
    }

    /** Deletes every namespace and link of a chaos run, this one's included, killing what still runs in them. */
    @Override
    public void close() {
        removeStale();
    }

    /**
     * Deletes whatever a chaos run left: the processes inside its namespaces (SIGKILL, then SIGCONT for those a
     * SIGSTOP left frozen), the namespaces, and this machine's link to the hub.
     */
    static void removeStale() {
        final List<String> namespaces = namespaces();
        for (String namespace : namespaces) {
            for (String pid :
                    outputOf(List.of("ip", "netns", "pids", namespace)).split("\\s+")) {
                if (!pid.isBlank()) {
                    runQuietly(List.of("kill", "-KILL", pid));
                    runQuietly(List.of("kill", "-CONT", pid));
                }
            }
        }
        for (String namespace : namespaces) {
            runQuietly(List.of("ip", "netns", "del", namespace));
        }
        if (!outputOf(List.of("ip", "-o", "link", "show")).contains(HOST_LINK + "@")) {
            return;
        }
        runQuietly(List.of("ip", "link", "del", HOST_LINK));
    }

    /** What a chaos run left on this machine: its namespaces, and this machine's link to the hub. */
    static List<String> leftovers() {
        final List<String> left = new ArrayList<>(namespaces());
        if (outputOf(List.of("ip", "-o", "link", "show")).contains(HOST_LINK + "@")) {
            left.add(HOST_LINK);
        }
        return left;
    }

    private static List<String> namespaces() {
        final List<String> namespaces = new ArrayList<>();
        for (String line : outputOf(List.of("ip", "netns", "list")).split("\n")) {
            final String name = line.split(" ")[0].trim();
            if (name.startsWith(PREFIX)) {
                namespaces.add(name);
            }
        }
        return namespaces;
    }

    static void run(List<String> command) {
        run(command, null);
    }

    private static void run(List<String> command, @Nullable String input) {
        final Result result = exec(command, input);
        if (result.code != 0) {
            throw new IllegalStateException(
                    "'" + String.join(" ", command) + "' failed (exit " + result.code + "): " + result.output.trim());
        }
    }

    private static void runQuietly(List<String> command) {
        exec(command, null);
    }

    private static String outputOf(List<String> command) {
        return exec(command, null).output;
    }

    private record Result(int code, String output) {}

    private static Result exec(List<String> command, @Nullable String input) {
        try {
            final Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }
}
