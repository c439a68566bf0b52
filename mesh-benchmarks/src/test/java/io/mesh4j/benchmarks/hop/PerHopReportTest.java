package io.mesh4j.benchmarks.hop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.mesh4j.benchmarks.load.Histograms;

/**
 * The per-hop tables of a run of the gRPC and TCP paths only, from numbers made up here: each protocol's mesh path
 * is priced against its own raw path, and no goal of (c) is read where (c) did not run.
 */
class PerHopReportTest {

    private static final List<HopPath> PATHS =
            List.of(HopPath.GRPC_RAW, HopPath.GRPC_MESH, HopPath.TCP_RAW, HopPath.TCP_MESH);

    @Test
    void pricesEachProtocolsMeshPathAgainstItsRawPath() {
        final PerHopResults results = new PerHopResults(PATHS, List.of(16), 1000);
        // Requests per second, and CPU seconds per 10,000 requests in the client and the server.
        results.throughput(16, HopPath.GRPC_RAW, 4000, 1);
        results.throughput(16, HopPath.GRPC_MESH, 3000, 1);
        results.throughput(16, HopPath.TCP_RAW, 20_000, 1);
        results.throughput(16, HopPath.TCP_MESH, 10_000, 1);
        results.ratePhase(HopPath.GRPC_RAW, phase(500, 2, 2));
        results.ratePhase(HopPath.GRPC_MESH, phase(800, 3, 2));
        results.ratePhase(HopPath.TCP_RAW, phase(100, 1, 1));
        results.ratePhase(HopPath.TCP_MESH, phase(150, 2, 1));

        final String tables = new PerHopReport(results).render("a test");

        assertThat(tables)
                .contains("| (f)/(e) | (h)/(g) |", "|   0.75× |   0.50× |")
                .contains("added p99 vs raw: (e), (g)")
                .contains("### The mesh over the raw path, by protocol")
                // gRPC: 0.75× the throughput, 5 / 4 the CPU, 300 µs more at p50 and p99.
                .containsPattern("\\| gRPC unary +\\| +\\(f\\)/\\(e\\) \\| +0\\.75× \\| +1\\.25× \\| +300 \\| +300 \\|")
                .containsPattern(
                        "\\| TCP request–response +\\| +\\(h\\)/\\(g\\) \\| +0\\.50× \\| +1\\.50× \\| +50 \\| +50 \\|")
                .doesNotContain("### Goals", "(c)/(b)");
    }

    /** A fixed-rate phase whose every request took {@code micros}. */
    private static PerHopResults.RatePhase phase(long micros, double clientCpu, double serverCpu) {
        final Histogram latency = Histograms.newHistogram();
        for (int i = 0; i < 100; i++) {
            latency.recordValue(micros * 1000);
        }
        return new PerHopResults.RatePhase(
                latency,
                Histograms.newHistogram(),
                0,
                Map.of(PerHopReport.CLIENT, clientCpu, PerHopReport.SERVER, serverCpu),
                0.5);
    }
}
