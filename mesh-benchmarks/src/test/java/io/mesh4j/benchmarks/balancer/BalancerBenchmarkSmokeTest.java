package io.mesh4j.benchmarks.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The balancer benchmark runs one tiny round of every balancer and prints its tables. A smoke test: it checks
 * that the benchmark works, never how well any balancer does.
 */
class BalancerBenchmarkSmokeTest {

    @TempDir
    Path workDir;

    @Test
    void runsOneTinyRoundOfEveryBalancerAndPrintsItsTables() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new BalancerBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute(
                        "--rounds",
                        "1",
                        "--rate",
                        "100",
                        "--warmup",
                        "100ms",
                        "--duration",
                        "300ms",
                        "--jit-warmup",
                        "0s",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        assertThat(tables)
                .contains("### Latency at 100 requests/s", "### Share of the answers", "### Goal", "fast-1", "slow");
        for (BalancerCase c : BalancerCase.values()) {
            assertThat(tables).contains(c.label());
        }
    }
}
