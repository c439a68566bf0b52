package io.mesh4j.client.internal.breaker;

import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;

/**
 * Records every attempt in the breaker of its endpoint, and refuses an attempt whose endpoint's breaker does
 * not permit it. The refusal is an {@link UnprocessedRequestException}: the request never left, so the retry
 * layer above moves it to another endpoint whatever its method.
 */
public final class BreakerLayer extends AbstractLayer<HttpClient> {

    public BreakerLayer() {
        super(ClientRoles.BREAKER, EndpointBreakers.KEY);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        final EndpointBreakers breakers = params.get(EndpointBreakers.KEY);
        final ResponseClassifier classifier = params.get(CommonParams.CLASSIFIER);
        final Ticker ticker = params.get(CommonParams.TICKER);
        return delegate -> new BreakingClient(delegate, breakers, classifier, ticker);
    }

    private static final class BreakingClient extends SimpleDecoratingHttpClient {

        private final EndpointBreakers breakers;
        private final ResponseClassifier classifier;
        private final Ticker ticker;

        BreakingClient(HttpClient delegate, EndpointBreakers breakers, ResponseClassifier classifier, Ticker ticker) {
            super(delegate);
            this.breakers = breakers;
            this.classifier = classifier;
            this.ticker = ticker;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final Endpoint endpoint = ctx.endpoint();
            if (endpoint == null) {
                // No endpoint selected: nothing to break; the transport fails the attempt.
                return unwrap().execute(ctx, req);
            }
            final EndpointBreaker breaker = breakers.endpointBreaker(endpoint);
            final EndpointBreaker.Permit permit = breaker.tryAcquire();
            if (permit == EndpointBreaker.Permit.REFUSED) {
                return HttpResponse.ofFailure(UnprocessedRequestException.of(
                        CallNotPermittedException.createCallNotPermittedException(breaker.breaker)));
            }
            final long start = ticker.read();
            ctx.log().whenComplete().thenAccept(log -> record(breaker, permit, ctx, log, ticker.read() - start));
            return unwrap().execute(ctx, req);
        }

        private void record(
                EndpointBreaker breaker,
                EndpointBreaker.Permit permit,
                ClientRequestContext ctx,
                RequestLog log,
                long nanos) {
            // An endpoint that answered is judged by its answer, even if the caller later abandoned the body.
            final HttpStatus status = log.responseHeaders().status();
            final boolean answered = status.code() > 0;
            final ResponseClass result =
                    classifier.classify(ctx.method(), answered ? status : null, answered ? null : log.responseCause());
            if (result.isFailure()) {
                breaker.onFailure(permit, nanos, answered ? new FailedAnswer(status) : causeOf(log));
            } else {
                breaker.onSuccess(permit, nanos);
            }
        }

        private static Throwable causeOf(RequestLog log) {
            final Throwable cause = log.responseCause();
            return cause != null ? cause : new FailedAnswer(HttpStatus.UNKNOWN);
        }
    }

    /** What the breaker records for an answer the classifier calls a failure. */
    private static final class FailedAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FailedAnswer(HttpStatus status) {
            super(status.toString(), null, false, false);
        }
    }
}
