package io.mesh4j.server.internal.stack;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.Routed;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.RoutingStatus;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * What answers a request that matched no route of the mesh server, bound at the catch-all route after every other
 * route, so that the stack is in front of it as it is in front of each route: Armeria's own fallback service is
 * reached by no decorator but a route decorator, which would make every request pay a route lookup (issue 12).
 * It answers as Armeria's fallback does: 404, the 405 (or other status) that routing deferred, 403 for a CORS
 * preflight, and a redirect from {@code /path} to {@code /path/} when that is a route.
 */
public final class UnmatchedService implements HttpService {

    /** Where it is bound: it matches every path and method, and comes after every more specific route. */
    public static final Route ROUTE = Route.ofCatchAll();

    private static final UnmatchedService INSTANCE = new UnmatchedService();

    private UnmatchedService() {}

    /**
     * The service in front of which {@code stack} is put.
     *
     * @return the one instance
     */
    public static UnmatchedService of() {
        return INSTANCE;
    }

    /**
     * Whether a request served by {@code config} matched no route: Armeria's fallback, or this service.
     * Read once per service config (the layers keep what they work out from it), never per request.
     *
     * @param config the served request's config
     * @return {@code true} for a request no route matched
     */
    public static boolean isUnmatched(ServiceConfig config) {
        return config.route().isFallback() || config.service().as(UnmatchedService.class) != null;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final RoutingContext routing = ctx.routingContext();
        if (routing.status() == RoutingStatus.CORS_PREFLIGHT) {
            return status(ctx, HttpStatus.FORBIDDEN);
        }
        final @Nullable HttpStatusException deferred = routing.deferredStatusException();
        if (deferred != null && deferred.httpStatus() != HttpStatus.NOT_FOUND) {
            return status(ctx, deferred.httpStatus());
        }
        final String path = routing.path();
        if (path.endsWith("/")) {
            return status(ctx, HttpStatus.NOT_FOUND);
        }
        final Routed<ServiceConfig> withSlash =
                ctx.config().virtualHost().findServiceConfig(routing.withPath(path + '/'));
        if (!withSlash.isPresent() || isUnmatched(withSlash.value())) {
            return status(ctx, HttpStatus.NOT_FOUND);
        }
        // Relative, as Armeria's: a proxy in front may have rewritten the path's beginning.
        String location = path.substring(path.lastIndexOf('/') + 1) + '/';
        if (routing.query() != null) {
            location += '?' + routing.query();
        }
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TEMPORARY_REDIRECT)
                .add(HttpHeaderNames.LOCATION, location)
                .build());
    }

    @Override
    public ExchangeType exchangeType(RoutingContext routingContext) {
        // As Armeria's fallback: the request is read whole, so that a body over the limit still gets its 413.
        return ExchangeType.REQUEST_STREAMING;
    }

    private static HttpResponse status(ServiceRequestContext ctx, HttpStatus status) {
        // The server's error handler, as Armeria's fallback renders its status (a virtual host's own is not public).
        final @Nullable AggregatedHttpResponse rendered = ctx.config()
                .server()
                .config()
                .errorHandler()
                .renderStatus(ctx, ctx.config(), ctx.request().headers(), status, null, null);
        if (rendered != null) {
            return rendered.toHttpResponse();
        }
        return HttpResponse.of(ResponseHeaders.builder(status).endOfStream(true).build());
    }
}
