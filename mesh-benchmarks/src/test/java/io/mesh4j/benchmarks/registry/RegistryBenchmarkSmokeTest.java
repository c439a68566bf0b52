package io.mesh4j.benchmarks.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The registry benchmark starts a registry process, times a few changes through a few watchers and prints its
 * tables. A smoke test: it checks that the benchmark works, never how fast the registry is.
 */
class RegistryBenchmarkSmokeTest {

    @TempDir
    Path workDir;

    @Test
    void timesAFewChangesThroughAFewWatchersAndPrintsItsTables() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new RegistryBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute(
                        "--watchers",
                        "5",
                        "--instances",
                        "20",
                        "--changes",
                        "3",
                        "--warmup-changes",
                        "2",
                        "--pause",
                        "10ms",
                        "--heartbeats",
                        "200ms",
                        "--heartbeat-members",
                        "3",
                        "--warmup-heartbeats",
                        "100",
                        "--warmup-writes",
                        "100",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        assertThat(tables)
                .contains(
                        "### From the PUT of a change until every watcher has it",
                        "### Writes and memory",
                        "5 × 20",
                        "after 2 untimed warm-up changes",
                        "5 × 20: #",
                        "### What a heartbeat costs",
                        "3 members × 10 in flight");
    }
}
