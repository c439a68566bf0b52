package io.mesh4j.client.internal.faults;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.core.internal.routing.InjectedFaults;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.FaultSpec.Decision;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.StackParams;
import io.netty.util.AsciiString;

/**
 * Injects the faults of the call's route rule: delays a share of calls before they leave, aborts a share with the
 * rule's status without sending them. It stands above DEADLINE and RETRY, as the network would: an injected abort
 * is not retried and an injected delay does not eat the call's timeout, as with Istio's fault injection. Every
 * call it judged carries {@value FaultSpec#JUDGED_HEADER}, so that the server does not judge it again.
 */
public final class FaultLayer extends FusedClientLayer {

    public FaultLayer() {
        super(ClientRoles.FAULTS);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        return new CallFaults();
    }

    /** Made once: a name given as a {@code String} is made into a new {@link AsciiString} by every {@code set}. */
    private static final AsciiString JUDGED_HEADER = HttpHeaderNames.of(FaultSpec.JUDGED_HEADER);

    private static final class CallFaults implements Interceptor<ClientRequestContext> {

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
            final @Nullable FaultSpec fault = rule != null ? rule.fault() : null;
            if (rule == null || fault == null) {
                return null;
            }
            exchange.headersToWrite().set(JUDGED_HEADER, "1");
            final Decision decision = fault.decide(ThreadLocalRandom.current());
            if (decision.isNone()) {
                return null;
            }
            if (decision.abortStatus() != 0) {
                // Not sent: the pass releases the request's body and logs the abort as the call's answer.
                final HttpResponse aborted = InjectedFaults.abort(decision, rule);
                return decision.delay().isZero()
                        ? aborted
                        : HttpResponse.delayed(aborted, decision.delay(), ctx.eventLoop());
            }
            final Supplier<HttpResponse> rest = exchange.rest();
            return HttpResponse.delayed(rest, decision.delay(), ctx.eventLoop());
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "CallFaults";
        }
    }
}
