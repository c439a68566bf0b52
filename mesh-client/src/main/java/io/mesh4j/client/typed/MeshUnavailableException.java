package io.mesh4j.client.typed;

import static java.util.Objects.requireNonNull;

import io.mesh4j.core.discovery.ServiceName;

/**
 * The mesh gave up on a typed client's call without an answer: it says which service, why, and how many attempts
 * were made; its cause is what the last attempt ended with. A method that returns its answer throws it; a method
 * that returns a {@code CompletableFuture} completes it exceptionally with it. With the Spring Boot starter, a
 * controller that lets it through answers 503 Service Unavailable, not 500.
 *
 * <p>A call that got an answer, however bad, ends with {@link MeshCallException} instead.
 */
public final class MeshUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the mesh gave up. */
    public enum Reason {
        /** No instance of the service was known in time: none registered, or the registry not reachable. */
        NO_ENDPOINT("no endpoint"),
        /** The circuit breaker of every instance tried was open: they failed lately, and are left alone a while. */
        CIRCUIT_OPEN("circuit breaker open"),
        /** The call's deadline passed before an answer came. */
        TIMED_OUT("deadline passed"),
        /** No instance tried could be reached: the request was never sent. */
        UNREACHABLE("no instance reachable"),
        /** The request was sent and the connection or stream failed before an answer came. */
        FAILED("failed without an answer");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** The service called. */
    private final ServiceName service;
    /** Why the mesh gave up. */
    private final Reason reason;
    /** How many attempts were made, retries and hedges included. */
    private final int attempts;

    /**
     * Makes the exception of a call the mesh gave up on.
     *
     * @param call the call, such as {@code OrdersClient.order(String)}
     * @param service the service called
     * @param reason why the mesh gave up
     * @param attempts how many attempts were made, retries and hedges included; zero if none could be sent
     * @param cause what the last attempt ended with
     */
    public MeshUnavailableException(String call, ServiceName service, Reason reason, int attempts, Throwable cause) {
        super(
                call + ": the mesh gave up on " + service + " after " + attempts
                        + (attempts == 1 ? " attempt" : " attempts") + ": " + reason + " (" + describe(cause) + ')',
                cause);
        this.service = requireNonNull(service, "service");
        this.reason = requireNonNull(reason, "reason");
        this.attempts = attempts;
    }

    /**
     * Returns the service called.
     *
     * @return the service
     */
    public ServiceName service() {
        return service;
    }

    /**
     * Returns why the mesh gave up.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /**
     * Returns how many attempts were made, retries and hedges included.
     *
     * @return zero if none could be sent
     */
    public int attempts() {
        return attempts;
    }

    private static String describe(Throwable cause) {
        final String message = cause.getMessage();
        return message == null || message.isEmpty()
                ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + message;
    }
}
