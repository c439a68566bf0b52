package io.mesh4j.benchmarks.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * Every micro benchmark runs one tiny iteration in this JVM and lands in the summary table. A smoke test: the
 * numbers of an unwarmed 50 ms iteration mean nothing, and nothing here reads them.
 */
class MicroBenchmarksSmokeTest {

    @Test
    void runsEveryMicroBenchmarkOnceAndPrintsTheTable() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new MicroBenchmarks(new PrintStream(out, true, StandardCharsets.UTF_8)))
                .execute("--forks", "0", "--warmup-iterations", "0", "--iterations", "1", "--time", "50");

        final String table = out.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(table).isZero();
        assertThat(table)
                .contains(
                        "EndpointPickBenchmark.pick",
                        "balancer=p2c-ewma, endpoints=5",
                        "RouteMatchBenchmark.noRuleMatches",
                        "HeaderPropagationBenchmark.injectTraceContext",
                        "HeaderPropagationBenchmark.extractTraceContext",
                        "HeaderPropagationBenchmark.parseDeadline",
                        "PolicyLookupBenchmark.clientPolicyOverridden");
    }
}
