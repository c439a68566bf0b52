package io.mesh4j.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Says which {@code mesh.*} property to set, and how, when the application cannot join the mesh as configured.
 */
public final class MeshConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<MeshConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MeshConfigurationException cause) {
        return new FailureAnalysis(
                "The application cannot join the mesh: " + cause.getMessage(), cause.action(), cause);
    }
}
