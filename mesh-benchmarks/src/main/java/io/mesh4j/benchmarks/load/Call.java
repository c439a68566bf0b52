package io.mesh4j.benchmarks.load;

import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.common.AggregatedHttpResponse;

/**
 * One request of a benchmark's load: sends it, and completes with its whole response or fails.
 */
@FunctionalInterface
public interface Call {

    CompletableFuture<AggregatedHttpResponse> send();

    /** Sends, turning a call that throws into a failed future, so that the load loops see one kind of failure. */
    default CompletableFuture<AggregatedHttpResponse> sendSafely() {
        try {
            return send();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
