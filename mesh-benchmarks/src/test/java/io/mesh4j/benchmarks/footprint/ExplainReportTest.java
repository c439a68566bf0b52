package io.mesh4j.benchmarks.footprint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the explain report groups threads by name: numbers that stand alone are a pool's, digits in a word are not. */
class ExplainReportTest {

    @Test
    void replacesTheNumbersOfAPoolAndKeepsDigitsInsideAWord() {
        assertThat(ExplainReport.threadKind("armeria-common-worker-epoll-3-1"))
                .isEqualTo("armeria-common-worker-epoll-#-#");
        assertThat(ExplainReport.threadKind("mesh4j-scheduler")).isEqualTo("mesh4j-scheduler");
        assertThat(ExplainReport.threadKind("Thread-12")).isEqualTo("Thread-#");
        assertThat(ExplainReport.threadKind("pool-2-thread-10")).isEqualTo("pool-#-thread-#");
        assertThat(ExplainReport.threadKind("C2 CompilerThread0")).isEqualTo("C2 CompilerThread0");
    }
}
