package io.mesh4j.client.internal.breaker;

/**
 * An attempt its endpoint's breaker let through, outside the HTTP stack: the connect and TLS handshake of a
 * forwarded TCP connection. It is judged in the same breaker as the endpoint's calls, so that an instance that
 * refuses connections is ejected for calls and connections alike. Told how it ended, once.
 */
public final class BreakerAttempt {

    private final EndpointBreaker breaker;
    private final EndpointBreaker.Permit permit;
    private final long startNanos;

    BreakerAttempt(EndpointBreaker breaker, EndpointBreaker.Permit permit, long startNanos) {
        this.breaker = breaker;
        this.permit = permit;
        this.startNanos = startNanos;
    }

    /**
     * The endpoint took it.
     *
     * @param nowNanos the ticker's time now
     */
    public void succeeded(long nowNanos) {
        breaker.onSuccess(permit, nowNanos - startNanos);
    }

    /**
     * It ended without telling anything of the endpoint (the local connection closed first): the breaker records
     * nothing, and a half-open one has its trial permit back.
     */
    public void abandoned() {
        breaker.releasePermission();
    }

    /**
     * The endpoint did not take it: refused, timed out, a handshake that failed.
     *
     * @param nowNanos the ticker's time now
     * @param cause why, for the breaker's record
     */
    public void failed(long nowNanos, Throwable cause) {
        breaker.onFailure(permit, nowNanos - startNanos, cause);
    }
}
