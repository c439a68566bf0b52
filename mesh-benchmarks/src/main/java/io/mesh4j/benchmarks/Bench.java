package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.balancer.BalancerBenchmark;
import io.mesh4j.benchmarks.chaos.ChaosBenchmark;
import io.mesh4j.benchmarks.footprint.FootprintBenchmark;
import io.mesh4j.benchmarks.hop.PerHopBenchmark;
import io.mesh4j.benchmarks.micro.MicroBenchmarks;
import io.mesh4j.benchmarks.quota.QuotaBenchmark;
import io.mesh4j.benchmarks.registry.RegistryBenchmark;
import io.mesh4j.benchmarks.spring.SpringStartupBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmarks' command line, {@code bin/bench BENCHMARK [options]}: each benchmark is one subcommand, prints
 * its progress on standard error and its tables on standard output.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "mesh4j's benchmarks; each prints its results as tables. They are benchmarks, not tests: run "
                + "them on a quiet machine.",
        subcommands = {
            PerHopBenchmark.class,
            RegistryBenchmark.class,
            BalancerBenchmark.class,
            MicroBenchmarks.class,
            FootprintBenchmark.class,
            ChaosBenchmark.class,
            QuotaBenchmark.class,
            SpringStartupBenchmark.class
        })
public final class Bench implements Runnable {

    public static void main(String[] args) {
        // The tables and the progress lines are the output; Armeria's start-up INFO lines would bury them.
        if (System.getProperty("org.slf4j.simpleLogger.log.com.linecorp.armeria") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.com.linecorp.armeria", "warn");
        }
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
