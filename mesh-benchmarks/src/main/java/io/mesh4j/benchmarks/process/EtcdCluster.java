package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A 3-member etcd cluster on free loopback ports, from Debian's {@code etcd-server} ({@code etcd} on the path), each
 * member with its data directory and log under one work directory: what replicated registries of a benchmark run
 * over. Started fresh for each configuration, so that no run inherits another's keys or history.
 */
public final class EtcdCluster implements AutoCloseable {

    private static final int MEMBERS = 3;

    private final List<ChildProcess> members;
    private final List<URI> clientUris;

    private EtcdCluster(List<ChildProcess> members, List<URI> clientUris) {
        this.members = members;
        this.clientUris = clientUris;
    }

    /** Starts the members in {@code dir} and returns once each says it is healthy (a leader is elected). */
    public static EtcdCluster start(Path dir) throws IOException {
        Files.createDirectories(dir);
        final List<Integer> clientPorts = new ArrayList<>();
        final List<Integer> peerPorts = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            clientPorts.add(LocalPorts.free());
            peerPorts.add(LocalPorts.free());
        }
        final String initialCluster = java.util.stream.IntStream.range(0, MEMBERS)
                .mapToObj(i -> "m" + i + "=http://127.0.0.1:" + peerPorts.get(i))
                .collect(Collectors.joining(","));
        final List<ChildProcess> members = new ArrayList<>();
        final List<URI> clientUris = new ArrayList<>();
        final EtcdCluster cluster = new EtcdCluster(members, clientUris);
        try {
            for (int i = 0; i < MEMBERS; i++) {
                final String client = "http://127.0.0.1:" + clientPorts.get(i);
                final String peer = "http://127.0.0.1:" + peerPorts.get(i);
                clientUris.add(URI.create(client));
                members.add(ChildProcess.start(
                        "etcd-m" + i,
                        List.of(
                                "etcd",
                                "--name",
                                "m" + i,
                                "--data-dir",
                                dir.resolve("m" + i).toString(),
                                "--listen-client-urls",
                                client,
                                "--advertise-client-urls",
                                client,
                                "--listen-peer-urls",
                                peer,
                                "--initial-advertise-peer-urls",
                                peer,
                                "--initial-cluster",
                                initialCluster,
                                "--initial-cluster-state",
                                "new",
                                "--initial-cluster-token",
                                "mesh4j-bench",
                                "--logger",
                                "zap",
                                "--log-outputs",
                                "stderr"),
                        dir.resolve("m" + i + ".log")));
            }
            for (int i = 0; i < MEMBERS; i++) {
                LocalPorts.awaitListening(clientPorts.get(i), members.get(i), Duration.ofSeconds(30));
            }
            cluster.awaitHealthy(Duration.ofSeconds(30));
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The client URLs, as the registry's {@code --etcd} takes them. */
    public String endpointsFlag() {
        return clientUris.stream().map(URI::toString).collect(Collectors.joining(","));
    }

    public List<Long> pids() {
        return members.stream().map(ChildProcess::pid).toList();
    }

    /**
     * How many lease keep-alives the members have renewed, from their own metrics ({@code
     * etcd_debugging_lease_renewed_total}, counted on the leader, where a lease is renewed), added up; -1 if a
     * member did not answer.
     */
    public long leaseRenewals() {
        final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long renewals = 0;
        for (URI uri : clientUris) {
            try {
                final String metrics = http.send(
                                HttpRequest.newBuilder(uri.resolve("/metrics"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                final java.util.regex.Matcher renewed = LEASE_RENEWED.matcher(metrics);
                if (renewed.find()) {
                    renewals += (long) Double.parseDouble(renewed.group(1));
                }
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return renewals;
    }

    private static final java.util.regex.Pattern LEASE_RENEWED =
            java.util.regex.Pattern.compile("(?m)^etcd_debugging_lease_renewed_total ([0-9.e+]+)$");

    private void awaitHealthy(Duration timeout) {
        final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (URI uri : clientUris) {
            while (!healthy(http, uri)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd at " + uri + " is not healthy after " + timeout.toSeconds()
                            + " s (no leader?); see the members' logs beside their data");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    private static boolean healthy(HttpClient http, URI member) {
        try {
            final HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(member.resolve("/health"))
                            .timeout(Duration.ofSeconds(1))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.body().contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        members.forEach(ChildProcess::close);
    }
}
