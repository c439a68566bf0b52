package io.mesh4j.core.internal.routing;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.RouteRule;

/** What an injected fault answers, the same from the client's FAULTS layer and the server's. */
public final class InjectedFaults {

    /**
     * The answer of an injected abort: the rule's status, and a body naming the rule, so that nobody mistakes it
     * for the service's own failure.
     *
     * @param decision the fault's decision, with an abort status
     * @param rule the route rule whose fault it is
     * @return a new response; delay it with {@code HttpResponse.delayed(..)} for a delayed abort
     */
    public static HttpResponse abort(FaultSpec.Decision decision, RouteRule rule) {
        return HttpResponse.of(
                HttpStatus.valueOf(decision.abortStatus()),
                MediaType.PLAIN_TEXT_UTF_8,
                "fault injected by mesh4j (rule '" + rule.name() + "')");
    }

    private InjectedFaults() {}
}
