package io.mesh4j.spring.client;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Says which {@code @ServiceClient} interface, and which of its methods, stopped the start, and how to fix it.
 */
public final class MeshClientInterfaceFailureAnalyzer extends AbstractFailureAnalyzer<MeshClientInterfaceException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MeshClientInterfaceException cause) {
        return new FailureAnalysis(
                "The application cannot make its typed mesh clients: " + cause.getMessage(),
                "Fix " + cause.interfaceName() + " as the description says. A typed client is an interface with "
                        + "@ServiceClient(\"<service>\") naming a service, such as @ServiceClient(\"orders\"); each of its methods "
                        + "has exactly one mapping annotation, such as @Get(\"/orders/{id}\"), a @Param for each path "
                        + "variable, at most one parameter without an annotation (the JSON body), and returns a value or a "
                        + "CompletableFuture of one. If the interface is not meant to be a bean, move it out of the packages "
                        + "scanned (the application's, or those @EnableServiceClients names), or define a bean of its type "
                        + "yourself.",
                cause);
    }
}
