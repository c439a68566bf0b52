package io.mesh4j.benchmarks.hop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.client.ClientStacks;
import io.mesh4j.server.ServerStacks;
import picocli.CommandLine;

/**
 * The per-hop benchmark starts its processes, runs one tiny round of every path and prints its tables. A smoke
 * test: it checks that the benchmark works, never how fast anything is.
 */
class PerHopBenchmarkSmokeTest {

    @TempDir
    Path workDir;

    @Test
    void runsOneTinyRoundOfEveryPathAndPrintsItsTables() {
        // Every path: the four HTTP ones, and gRPC and TCP each raw and through the mesh, with their ratios.
        // CI installs HAProxy (.ci/run); a machine without it still checks the three other paths.
        final boolean haproxy = HaproxySidecars.binary().isPresent();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new PerHopBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute(
                        "--rounds",
                        "1",
                        "--concurrency",
                        "2",
                        "--rate",
                        "100",
                        "--warmup",
                        "100ms",
                        "--duration",
                        "300ms",
                        "--latency-duration",
                        "300ms",
                        "--jit-warmup",
                        "0s",
                        "--paths",
                        // The other protocols' paths by name, as BENCHMARKS.md's command gives them.
                        (haproxy ? "a,b,c,d" : "a,b,c") + ",grpc-raw,grpc-mesh,tcp-raw,tcp-mesh",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        assertThat(tables)
                .contains(
                        "### Throughput at a fixed concurrency",
                        "### Latency at 100 requests/s",
                        "### CPU seconds per 10,000 requests",
                        "### Goals",
                        HopPath.H2C.label(),
                        HopPath.TLS.label(),
                        HopPath.MESH.label(),
                        "(c)/(b)",
                        HopPath.GRPC_RAW.label(),
                        HopPath.GRPC_MESH.label(),
                        HopPath.TCP_RAW.label(),
                        HopPath.TCP_MESH.label(),
                        "(f)/(e)",
                        "(h)/(g)",
                        "### The mesh over the raw path, by protocol",
                        "| gRPC unary ",
                        "| TCP request–response ")
                .doesNotContain("requests failed");
        if (haproxy) {
            assertThat(tables).contains(HopPath.SIDECARS.label(), "(c)/(d)", "HAProxy server sidecar");
        }
    }

    @Test
    void pricesEveryLayerOfTheDefaultStacksInOneTinyRound() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new PerHopBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute(
                        "--price-layers",
                        "--rounds",
                        "1",
                        "--concurrency",
                        "2",
                        "--rate",
                        "100",
                        "--warmup",
                        "100ms",
                        "--duration",
                        "200ms",
                        "--latency-duration",
                        "200ms",
                        "--jit-warmup",
                        "0s",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        // Every role of both default stacks, each removed on its own side, read from the stacks themselves.
        final List<String> rows = new ArrayList<>();
        ClientStacks.defaults().roles().forEach(role -> rows.add("| client | " + role.name() + " "));
        ServerStacks.defaults().roles().forEach(role -> rows.add("| server | " + role.name() + " "));
        assertThat(tables)
                .contains("### What removing one layer saves", "### Allocation per request at 100 requests/s")
                .contains(rows)
                .contains(HopPath.MESH.label(), HopPath.TLS.label(), "(c) − (b)")
                .doesNotContain("requests failed");
    }
}
