package io.mesh4j.core.lifecycle;

import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.common.util.SafeCloseable;

/**
 * How every mesh4j component that runs starts and stops: {@code MeshRegistry}, {@code MeshServer},
 * {@code MeshClient} and {@code WorkloadIdentity} alike.
 *
 * <ul>
 *   <li>{@link #start()} begins the work and returns a future that completes with the component once it is ready
 *       (a registry is serving, a server is serving and registered, a client and an identity have their first
 *       certificate). Calling it again returns the same future. A component that was stopped does not start
 *       again: make a new one from its builder.</li>
 *   <li>{@link #stop()} ends the work gracefully (a server deregisters and drains first) and returns a future
 *       that completes once everything is released. Calling it again, or before {@link #start()}, is safe and
 *       returns the same future.</li>
 *   <li>{@link #close()} is {@code stop().join()}, so that a component fits try-with-resources.</li>
 * </ul>
 *
 * <pre>{@code
 * try (MeshServer orders = MeshServer.builder("orders", registry).identity(identity).service(...).build()) {
 *     orders.start().join();      // serving and registered
 *     ...
 * }                               // deregistered, drained and closed
 * }</pre>
 *
 * @param <T> the component, which {@link #start()} completes with
 */
public interface Lifecycle<T> extends SafeCloseable {

    /**
     * Starts the component, or returns the future of the start already under way or done.
     *
     * @return a future that completes with the component once it is ready, or exceptionally if it cannot start
     * @throws IllegalStateException if the component was stopped
     */
    CompletableFuture<T> start();

    /**
     * Stops the component gracefully, or returns the future of the stop already under way or done.
     *
     * @return a future that completes once everything is released
     */
    CompletableFuture<Void> stop();

    /** Stops the component and waits until it has stopped. */
    @Override
    default void close() {
        stop().join();
    }
}
