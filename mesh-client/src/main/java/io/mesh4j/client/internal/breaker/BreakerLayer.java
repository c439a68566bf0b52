package io.mesh4j.client.internal.breaker;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;

/**
 * Records every attempt in the breaker of its endpoint, and refuses an attempt whose endpoint's breaker does
 * not permit it. The refusal is an {@link UnprocessedRequestException}: the request never left, so the retry
 * layer above requeues it to another endpoint whatever its method, without spending one of the call's attempts.
 */
public final class BreakerLayer extends FusedClientLayer {

    public BreakerLayer() {
        super(ClientRoles.BREAKER, EndpointBreakers.KEY);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        return new AttemptBreaker(params.get(EndpointBreakers.KEY), params.get(CommonParams.TICKER));
    }

    private static final class AttemptBreaker implements Interceptor<ClientRequestContext> {

        private final EndpointBreakers breakers;
        private final Ticker ticker;

        AttemptBreaker(EndpointBreakers breakers, Ticker ticker) {
            this.breakers = breakers;
            this.ticker = ticker;
        }

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            final Endpoint endpoint = ctx.endpoint();
            if (endpoint == null) {
                // No endpoint selected: nothing to break; the transport fails the attempt.
                return null;
            }
            final EndpointBreaker breaker = breakers.endpointBreaker(endpoint);
            final EndpointBreaker.Permit permit = breaker.tryAcquire();
            if (permit == EndpointBreaker.Permit.REFUSED) {
                return HttpResponse.ofFailure(UnprocessedRequestException.of(
                        CallNotPermittedException.createCallNotPermittedException(breaker.breaker)));
            }
            exchange.keep(new Attempt(breaker, permit, ticker.read()));
            return null;
        }

        @Override
        public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
            final @Nullable Attempt attempt = exchange.kept();
            if (attempt == null) {
                return;
            }
            final long nanos = ticker.read() - attempt.startNanos();
            // An endpoint that answered is judged by its answer, even if the caller later abandoned the body.
            if (exchange.outcome(log).isFailure()) {
                final HttpStatus status = log.responseHeaders().status();
                attempt.breaker()
                        .onFailure(
                                attempt.permit(), nanos, status.code() > 0 ? new FailedAnswer(status) : causeOf(log));
            } else {
                attempt.breaker().onSuccess(attempt.permit(), nanos);
            }
        }

        private static Throwable causeOf(RequestLog log) {
            final Throwable cause = log.responseCause();
            return cause != null ? cause : new FailedAnswer(HttpStatus.UNKNOWN);
        }

        @Override
        public String toString() {
            return "AttemptBreaker(" + breakers + ')';
        }
    }

    /** What an admitted attempt's breaker needs when it ends. */
    private record Attempt(EndpointBreaker breaker, EndpointBreaker.Permit permit, long startNanos) {}

    /** What the breaker records for an answer the classifier calls a failure. */
    private static final class FailedAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FailedAnswer(HttpStatus status) {
            super(status.toString(), null, false, false);
        }
    }
}
