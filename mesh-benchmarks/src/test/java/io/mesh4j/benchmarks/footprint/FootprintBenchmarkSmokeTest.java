package io.mesh4j.benchmarks.footprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The footprint benchmark starts a raw and a mesh server and client, loads them briefly, measures them, explains
 * the difference and prints its tables. A smoke test: it checks that the benchmark works, never what anything
 * costs.
 */
class FootprintBenchmarkSmokeTest {

    @TempDir
    Path workDir;

    @Test
    void runsOneTinyRoundOfEachKindExplainsItAndPrintsItsTables() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new FootprintBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute(
                        "--rounds",
                        "1",
                        "--rate",
                        "100",
                        "--warmup",
                        "0s",
                        "--duration",
                        "300ms",
                        "--explain",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        assertThat(tables)
                .contains(
                        "#### What each service costs",
                        "#### Goals",
                        "#### Explain: the classes a mesh service adds, by library",
                        "#### Explain: which mesh4j class loaded them",
                        "#### Explain: CPU samples of the start-up",
                        "#### Explain: where the memory goes",
                        "#### Explain: bytes allocated per request, by library on the stack",
                        Measure.RSS.label(),
                        Measure.TIME_TO_READY.label(),
                        "OpenTelemetry")
                .doesNotContain("requests failed");
    }
}
