package io.mesh4j.benchmarks.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The short chaos run that CI runs: a registry, four instances in two zones and one client, each in a network
 * namespace of its own, through an instance's SIGKILL, 5% packet loss and a partition between the client and one
 * instance. Unlike the benchmarks' smoke tests it asserts what the mesh promises: no failed idempotent call, and
 * retries within the budget.
 *
 * <p>It needs root, {@code ip netns}, nftables and tc, which CI has. Without them it <em>fails</em>, naming what is
 * missing, rather than passing without having run; a machine that cannot run it says so explicitly with
 * {@code -Dmesh4j.chaos=skip}, which turns the failure into a skipped test with the same message.
 */
class ChaosSmokeTest {

    @TempDir
    Path workDir;

    @BeforeAll
    static void needsNetworkNamespaces() {
        final String missing = Network.missingPrerequisite();
        if (missing == null) {
            return;
        }
        final String message =
                "ChaosSmokeTest: " + missing + " (to skip it on this machine on purpose: -Dmesh4j.chaos=skip)";
        if ("skip".equals(System.getProperty("mesh4j.chaos"))) {
            Assumptions.abort(message);
        }
        fail(message);
    }

    @Test
    void instanceKillLossAndPartitionCostNoFailedCallAndNoRetryStorm() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ChaosBenchmark chaos = new ChaosBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8));
        final int exitCode = new CommandLine(chaos)
                .execute(
                        "--scenarios",
                        "instance-kill,loss,client-partition",
                        "--clients",
                        "1",
                        "--rate",
                        "40",
                        "--baseline",
                        "4s",
                        "--fault",
                        "8s",
                        "--recovery",
                        "8s",
                        "--work-dir",
                        workDir.toString());

        final String tables = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(tables).isZero();
        assertThat(tables)
                .contains("instance-kill", "loss-5%", "partition client–instance", "### What each fault cost");
        assertThat(chaos.results()).hasSize(3);
        for (ScenarioResult result : chaos.results()) {
            assertThat(result.calls()).as(tables).isGreaterThan(0);
            assertThat(result.failed())
                    .as("failed calls in %s%n%s", result.scenario().key(), tables)
                    .isZero();
            assertThat(result.retries())
                    .as("retries in %s (a storm?)%n%s", result.scenario().key(), tables)
                    .isLessThanOrEqualTo(result.allowance());
        }
        // Nothing of the run is left: no namespace, no process inside one.
        assertThat(Network.leftovers()).isEmpty();
    }
}
