package io.mesh4j.core.internal.stack;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.logging.RequestLog;

/**
 * A layer's work on one request, in the form a {@link Pass} runs beside its neighbours': what it does as the
 * request goes down, and what it does once the request's log is complete. Neither wraps the next layer, so a run
 * of interceptors costs one call frame, one header rebuild and one log listener, not one of each per layer.
 *
 * @param <C> the request's context: {@code ClientRequestContext} or {@code ServiceRequestContext}
 */
public interface Interceptor<C extends RequestContext> {

    /**
     * Does this layer's work as the request goes down: reads the request ({@link Exchange#header}), writes headers
     * ({@link Exchange#headersToWrite()}), keeps what {@link #onComplete} needs ({@link Exchange#keep}).
     *
     * @return {@code null} to pass the request on, or the answer to give instead; the interceptors after this one
     *     and the layers below do not run then, and neither does this one's {@link #onComplete}
     * @throws Exception as a decorator would: the request fails with it
     */
    @Nullable
    HttpResponse onRequest(C ctx, Exchange<C> exchange) throws Exception;

    /**
     * Whether {@link #onComplete} does anything: a pass none of whose interceptors observe completion adds no log
     * listener.
     */
    default boolean observesCompletion() {
        return true;
    }

    /**
     * Runs once the request's log is complete, for an interceptor that passed the request on.
     *
     * @param log the complete log; {@link Exchange#outcome} classifies it, once for the whole pass
     */
    default void onComplete(C ctx, RequestLog log, Exchange<C> exchange) {}
}
