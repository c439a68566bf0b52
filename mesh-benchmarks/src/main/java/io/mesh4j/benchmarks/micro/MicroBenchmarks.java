package io.mesh4j.benchmarks.micro;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import io.mesh4j.benchmarks.report.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 4: the JMH micro benchmarks of this package, run by JMH's own runner with defaults short enough for a
 * quick look (one fork, a few one-second iterations); the options give more forks and iterations for numbers to
 * compare across commits. JMH's own output goes to standard error, the summary table to standard output.
 */
@Command(
        name = "micro",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "JMH micro benchmarks of the per-request hot path: endpoint pick, route match, header "
                + "injection and extraction, policy lookup.")
public final class MicroBenchmarks implements Callable<Integer> {

    @Option(
            names = "--include",
            defaultValue = ".*",
            description = "A regular expression over the benchmarks' names (such as RouteMatch). Default: all.")
    String include = ".*";

    @Option(
            names = "--forks",
            defaultValue = "1",
            description = "JVMs forked per benchmark; 0 runs them in this JVM (for smoke tests only). Default: 1.")
    int forks;

    @Option(names = "--warmup-iterations", defaultValue = "2", description = "Default: 2.")
    int warmupIterations;

    @Option(names = "--iterations", defaultValue = "3", description = "Measured iterations. Default: 3.")
    int iterations;

    @Option(
            names = "--time",
            defaultValue = "1000",
            description = "Milliseconds per iteration, warm-up and measured. Default: 1000.")
    long iterationMillis;

    private final PrintStream out;

    public MicroBenchmarks() {
        this(System.out);
    }

    MicroBenchmarks(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        final String packagePrefix = MicroBenchmarks.class.getPackageName().replace(".", "\\.") + "\\.";
        final ChainedOptionsBuilder options = new OptionsBuilder()
                .include(packagePrefix + ".*(" + include + ").*")
                .forks(forks)
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.milliseconds(iterationMillis))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(iterationMillis))
                .threads(1)
                .shouldFailOnError(true);
        final Collection<RunResult> results = new Runner(
                        options.build(),
                        OutputFormatFactory.createFormatInstance(
                                System.err, forks == 0 ? VerboseMode.SILENT : VerboseMode.NORMAL))
                .run();
        out.println(render(results));
        return 0;
    }

    private String render(Collection<RunResult> results) {
        final Table table = Table.of("benchmark", "parameters", "ns/op", "± (99.9 %)");
        final List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> label(a).compareTo(label(b)));
        for (RunResult run : sorted) {
            final Result<?> primary = run.getPrimaryResult();
            final Map<String, String> params = new TreeMap<>();
            for (String key : run.getParams().getParamsKeys()) {
                params.put(key, run.getParams().getParam(key));
            }
            final double error = primary.getScoreError();
            table.row(
                    label(run),
                    params.entrySet().stream()
                            .map(e -> e.getKey() + '=' + e.getValue())
                            .collect(Collectors.joining(", ")),
                    String.format(Locale.ROOT, "%,.1f", primary.getScore()),
                    Double.isNaN(error) ? "–" : String.format(Locale.ROOT, "%,.1f", error));
        }
        return "## Micro benchmarks\n\n" + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + ' ' + System.getProperty("java.runtime.version") + "; JMH, "
                + forks + " fork(s), " + warmupIterations + " warm-up and " + iterations + " measured iterations of "
                + iterationMillis + " ms, one thread; average time per operation.\n\n" + table;
    }

    private static String label(RunResult run) {
        final String name = run.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
    }
}
