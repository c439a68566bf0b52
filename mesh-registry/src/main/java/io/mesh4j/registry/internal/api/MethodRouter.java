package io.mesh4j.registry.internal.api;

import java.util.Map;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.registry.ErrorCode;

/**
 * One path of the contract, handing each method to its handler and answering any other method with a JSON 405
 * that names the methods the path takes.
 */
final class MethodRouter implements HttpService {

    private final Map<HttpMethod, HttpService> handlers;
    private final String allowed;

    MethodRouter(Map<HttpMethod, HttpService> handlers) {
        this.handlers = Map.copyOf(handlers);
        allowed = handlers.keySet().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final @Nullable HttpService handler = handlers.get(req.method());
        if (handler != null) {
            return handler.serve(ctx, req);
        }
        return JsonResponses.error(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        req.method() + " is not allowed on " + ctx.path() + " (expected: " + allowed + ')')
                .mapHeaders(headers ->
                        headers.toBuilder().set(HttpHeaderNames.ALLOW, allowed).build());
    }
}
