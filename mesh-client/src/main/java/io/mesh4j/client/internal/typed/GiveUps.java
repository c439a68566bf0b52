package io.mesh4j.client.internal.typed;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.logging.RequestLogAccess;
import com.linecorp.armeria.common.util.Exceptions;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.client.typed.MeshUnavailableException.Reason;
import io.mesh4j.core.discovery.ServiceName;

/**
 * A call the mesh gave up on, as its callers see it: a {@link MeshUnavailableException} that says which service, why
 * and after how many attempts. Shared by the typed clients and the Spring starter's {@code RestClient} requests.
 */
public final class GiveUps {

    private GiveUps() {}

    /**
     * The exception of a call that got no answer.
     *
     * @param call what was called, such as {@code OrdersClient.order(String)} or {@code GET http://orders/orders/7}
     * @param service the service called
     * @param ctx the call's context, for its attempts; null if none was made
     * @param cause what the call failed with
     * @return the exception, its cause what the last attempt ended with (a {@link NoEndpointException} that says why
     *     there was none, rather than Armeria's wrapper that says nothing was sent)
     */
    public static MeshUnavailableException unavailable(
            String call, ServiceName service, @Nullable ClientRequestContext ctx, Throwable cause) {
        final Throwable peeled = Exceptions.peel(cause);
        final Throwable sent =
                peeled instanceof UnprocessedRequestException && peeled.getCause() != null ? peeled.getCause() : peeled;
        return new MeshUnavailableException(call, service, reasonOf(peeled), attempts(ctx), sent);
    }

    private static Reason reasonOf(Throwable peeled) {
        if (peeled instanceof ResponseTimeoutException) {
            return Reason.TIMED_OUT;
        }
        if (peeled instanceof UnprocessedRequestException) {
            final @Nullable Throwable cause = peeled.getCause();
            if (cause instanceof NoEndpointException) {
                return Reason.NO_ENDPOINT;
            }
            if (cause instanceof CallNotPermittedException) {
                return Reason.CIRCUIT_OPEN;
            }
            return Reason.UNREACHABLE;
        }
        return Reason.FAILED;
    }

    /**
     * The attempts of a call: the children of its whole log once retried or hedged, else its own one.
     *
     * @param ctx the call's context; null if none was made
     * @return the attempts, 0 without a context
     */
    public static int attempts(@Nullable ClientRequestContext ctx) {
        if (ctx == null) {
            return 0;
        }
        final @Nullable RequestLogAccess whole = ctx.log().parent();
        return whole != null ? whole.children().size() : 1;
    }
}
