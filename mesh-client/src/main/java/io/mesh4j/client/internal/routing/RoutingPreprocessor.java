package io.mesh4j.client.internal.routing;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.HttpPreprocessor;
import com.linecorp.armeria.client.PreClient;
import com.linecorp.armeria.client.PreClientRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.routing.Subset;

/**
 * Points a call at the endpoints its {@link RouteDecision} chose, before Armeria picks the first endpoint.
 *
 * <p>Armeria selects a call's first endpoint when it makes the call's context, before any decorator runs; the
 * subset must be known by then. So the decision is made here, and remembered on the context, where the ROUTING
 * layer finds it in its own place in the stack. A call to a subset with no instance keeps the service's whole
 * group here, so that its context is made, and the ROUTING layer answers it 503 naming the subset.
 */
public final class RoutingPreprocessor implements HttpPreprocessor {

    private final Router router;

    public RoutingPreprocessor(Router router) {
        this.router = requireNonNull(router, "router");
    }

    @Override
    public HttpResponse execute(
            PreClient<HttpRequest, HttpResponse> delegate, PreClientRequestContext ctx, HttpRequest req)
            throws Exception {
        final RouteDecision decision = router.decide(ctx);
        final ServiceEndpoints endpoints = router.endpointsOf(decision);
        ctx.setEndpointGroup(endpoints.group(decision.noInstances() ? Subset.ALL : decision.subset()));
        return delegate.execute(ctx, req);
    }
}
