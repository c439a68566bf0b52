package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd cluster of three members ({@code /usr/bin/etcd}, Debian's etcd-server) on free loopback ports, each
 * with its own temporary data directory; started before a test class and stopped (and removed) after it.
 * Members can be killed ({@code kill -9}) and started again, one by one or all together.
 */
final class EtcdCluster implements BeforeAllCallback, AfterAllCallback {

    private static final int MEMBERS = 3;

    private final List<Member> members = new ArrayList<>();
    private @Nullable Path root;

    private record Member(String name, int clientPort, int peerPort, Path dataDir, Path log, Process[] process) {
        URI clientUri() {
            return URI.create("http://127.0.0.1:" + clientPort);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    void start() throws IOException {
        final Path root = Files.createTempDirectory("etcd-cluster");
        this.root = root;
        for (int i = 0; i < MEMBERS; i++) {
            final String name = "m" + i;
            members.add(new Member(
                    name, freePort(), freePort(), root.resolve(name), root.resolve(name + ".log"), new Process[1]));
        }
        members.forEach(this::launch);
        awaitHealthy();
    }

    /** Every member's client address, as {@code --etcd} takes them. */
    List<URI> endpoints() {
        return members.stream().map(Member::clientUri).toList();
    }

    /** The endpoints as one {@code --etcd} value. */
    String endpointsFlag() {
        return endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    /** A plaintext registry replica on a free loopback port over this cluster, started. */
    MeshRegistry replica(Path dataDir) {
        return replica(dataDir, MeshRegistry.builder());
    }

    /** A replica as {@link #replica(Path)}, with {@code settings} made so far (a lease slack, say). */
    MeshRegistry replica(Path dataDir, MeshRegistry.Builder settings) {
        return settings.plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .etcd(endpoints())
                .build()
                .start()
                .join();
    }

    /** Kills member {@code i} as {@code kill -9} would. */
    void kill(int i) {
        final Process process = members.get(i).process()[0];
        process.destroyForcibly();
        try {
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops member {@code i} without ending it ({@code kill -STOP}): it holds its connections and answers nothing. */
    void pause(int i) {
        signal(i, "STOP");
    }

    /** Lets member {@code i} run again after a {@link #pause} ({@code kill -CONT}). */
    void resume(int i) {
        signal(i, "CONT");
    }

    private void signal(int i, String signal) {
        final String pid = Long.toString(members.get(i).process()[0].pid());
        try {
            final Process kill = new ProcessBuilder("kill", "-" + signal, pid)
                    .redirectErrorStream(true)
                    .start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                    .as("kill -%s %s", signal, pid)
                    .isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    void killAll() {
        for (int i = 0; i < members.size(); i++) {
            kill(i);
        }
    }

    /** Starts member {@code i} again on its data directory, after a {@link #kill}. */
    void restart(int i) {
        launch(members.get(i));
    }

    void restartAll() {
        members.forEach(this::launch);
        awaitHealthy();
    }

    void stop() {
        for (Member member : members) {
            final @Nullable Process process = member.process()[0];
            if (process != null) {
                process.destroyForcibly();
            }
        }
        for (Member member : members) {
            final @Nullable Process process = member.process()[0];
            if (process != null) {
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        members.clear();
        if (root != null) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // A temporary directory left behind harms nobody.
            }
        }
    }

    private void launch(Member member) {
        final String initialCluster = members.stream()
                .map(m -> m.name() + "=http://127.0.0.1:" + m.peerPort())
                .collect(Collectors.joining(","));
        final List<String> command = List.of(
                "etcd",
                "--name",
                member.name(),
                "--data-dir",
                member.dataDir().toString(),
                "--listen-client-urls",
                member.clientUri().toString(),
                "--advertise-client-urls",
                member.clientUri().toString(),
                "--listen-peer-urls",
                "http://127.0.0.1:" + member.peerPort(),
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + member.peerPort(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                "mesh4j-test",
                // Short elections, so that losing a member costs the tests a second rather than several.
                "--heartbeat-interval",
                "50",
                "--election-timeout",
                "500",
                "--logger",
                "zap",
                "--log-outputs",
                "stderr");
        try {
            member.process()[0] = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(member.log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd (install Debian's etcd-server)", e);
        }
    }

    /** Waits until every member answers {@code /health} with {@code "health":"true"}: a leader is elected. */
    void awaitHealthy() {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (Member member : members) {
                        assertThat(member.process()[0].isAlive())
                                .as("etcd %s is running; its log: %s", member.name(), log(member))
                                .isTrue();
                        assertThat(health(member))
                                .as("etcd %s health", member.name())
                                .contains("\"health\":\"true\"");
                    }
                });
    }

    /** Which member leads now, as the members say ({@code Status}): its index, or -1 while none does. */
    int leader() {
        for (int i = 0; i < members.size(); i++) {
            final Member member = members.get(i);
            if (!member.process()[0].isAlive()) {
                continue;
            }
            final String status = post(member, "/v3/maintenance/status", "{}");
            final Matcher self = MEMBER_ID.matcher(status);
            final Matcher leader = LEADER.matcher(status);
            if (self.find() && leader.find() && self.group(1).equals(leader.group(1))) {
                return i;
            }
        }
        return -1;
    }

    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":\"([0-9]+)\"");
    private static final Pattern LEADER = Pattern.compile("\"leader\":\"([0-9]+)\"");

    private static String post(Member member, String path, String body) {
        try {
            final HttpURLConnection connection =
                    (HttpURLConnection) member.clientUri().resolve(path).toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(1000);
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            try {
                connection.getOutputStream().write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return new String(connection.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String health(Member member) {
        return get(member, "/health");
    }

    private static String get(Member member, String path) {
        try {
            final HttpURLConnection connection =
                    (HttpURLConnection) member.clientUri().resolve(path).toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(1000);
            try {
                return new String(connection.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String log(Member member) {
        try {
            final String text = Files.readString(member.log());
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
