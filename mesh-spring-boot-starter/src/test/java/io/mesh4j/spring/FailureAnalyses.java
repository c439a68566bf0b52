package io.mesh4j.spring;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** What Spring Boot would print for a failed start: the first analysis of the analyzers it loads. */
final class FailureAnalyses {

    static @Nullable FailureAnalysis of(Throwable failure) {
        final List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(
                        FailureAnalyses.class.getClassLoader())
                .load(
                        FailureAnalyzer.class,
                        SpringFactoriesLoader.ArgumentResolver.of(Environment.class, new StandardEnvironment()),
                        SpringFactoriesLoader.FailureHandler.handleMessage((m, e) -> {}));
        for (FailureAnalyzer analyzer : analyzers) {
            final @Nullable FailureAnalysis analysis = analyzer.analyze(failure);
            if (analysis != null) {
                return analysis;
            }
        }
        return null;
    }

    private FailureAnalyses() {}
}
