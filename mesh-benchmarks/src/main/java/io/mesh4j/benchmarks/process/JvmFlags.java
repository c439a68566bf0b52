package io.mesh4j.benchmarks.process;

import java.util.List;

/**
 * The flags every JVM a benchmark starts runs with, so that no process is favoured by its settings.
 */
public final class JvmFlags {

    /**
     * The default collector and JIT, as a user runs; a heap that may grow to 512 MiB but starts small, so that the
     * resident memory reported is what the process used rather than what it was handed at start.
     */
    public static final List<String> DEFAULT =
            List.of("-Xms32m", "-Xmx512m", "-XX:+UseG1GC", "-Dorg.slf4j.simpleLogger.showDateTime=true");

    private JvmFlags() {}
}
