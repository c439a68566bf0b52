package io.mesh4j.client.internal.faults;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.FaultSpec.Decision;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.StackParams;

/**
 * Injects the faults of the call's route rule: delays a share of calls before they leave, aborts a share with the
 * rule's status without sending them. It stands above DEADLINE and RETRY, as the network would: an injected abort
 * is not retried and an injected delay does not eat the call's timeout, as with Istio's fault injection. Every
 * call it judged carries {@value FaultSpec#JUDGED_HEADER}, so that the server does not judge it again.
 */
public final class FaultLayer extends AbstractLayer<HttpClient> {

    public FaultLayer() {
        super(ClientRoles.FAULTS);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        return FaultInjectingClient::new;
    }

    private static final class FaultInjectingClient extends SimpleDecoratingHttpClient {

        FaultInjectingClient(HttpClient delegate) {
            super(delegate);
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
            final @Nullable FaultSpec fault = rule != null ? rule.fault() : null;
            if (rule == null || fault == null) {
                return unwrap().execute(ctx, req);
            }
            final HttpRequest judged = req.withHeaders(req.headers().toBuilder().set(FaultSpec.JUDGED_HEADER, "1"));
            ctx.updateRequest(judged);
            final Decision decision = fault.decide(ThreadLocalRandom.current());
            if (decision.isNone()) {
                return unwrap().execute(ctx, judged);
            }
            if (decision.delay().isZero()) {
                return abort(judged, decision, rule);
            }
            return HttpResponse.delayed(
                    () -> {
                        if (decision.abortStatus() != 0) {
                            return abort(judged, decision, rule);
                        }
                        try {
                            return unwrap().execute(ctx, judged);
                        } catch (Exception e) {
                            return HttpResponse.ofFailure(e);
                        }
                    },
                    decision.delay(),
                    ctx.eventLoop());
        }

        private static HttpResponse abort(HttpRequest req, Decision decision, RouteRule rule) {
            // The request is not sent: its body must still be released.
            req.abort();
            return HttpResponse.of(
                    HttpStatus.valueOf(decision.abortStatus()),
                    MediaType.PLAIN_TEXT_UTF_8,
                    "fault injected by mesh4j (rule '" + rule.name() + "')");
        }
    }
}
