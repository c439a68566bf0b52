package io.mesh4j.registry.internal.dashboard;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.file.FileService;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.metrics.MetricsApi;

/**
 * The registry's dashboard: a page of plain HTML, JavaScript and CSS from the registry's jar (no CDN, no build step),
 * under {@link #PAGE}, and the stream of snapshots it draws, {@link #EVENTS}. The page and its assets hold nothing
 * secret and are served to anyone; the stream is guarded by the route that adds it, as every read of the registry
 * is. The page sends the credential it was given as a bearer token on the stream's request.
 */
public final class Dashboard {

    /** The page: {@code /dashboard/}, and its assets beside it. */
    public static final String PAGE = "/dashboard/";

    /** The stream of snapshots. */
    public static final String EVENTS = "/v1/dashboard/events";

    /** How often a stream sends a snapshot. */
    static final Duration INTERVAL = Duration.ofSeconds(2);

    /** The page's only source of scripts, styles and data is the registry itself. */
    private static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private final SnapshotStream events;

    public Dashboard(
            Clock clock,
            InstanceTable table,
            MetricsApi metrics,
            DocumentStore<RouteConfig> routes,
            DocumentStore<AccessPolicy> policies,
            Supplier<DefaultPolicy> meshDefault,
            Supplier<List<X509Certificate>> roots) {
        events = new SnapshotStream(
                new DashboardSnapshot(clock, table, metrics, routes, policies, meshDefault, roots), INTERVAL);
    }

    /** The page and its assets, from the jar's {@code io/mesh4j/registry/dashboard/}. */
    public HttpService page() {
        return FileService.builder(Dashboard.class.getClassLoader(), "io/mesh4j/registry/dashboard")
                .serveCompressedFiles(false)
                .build()
                .decorate((delegate, ctx, req) -> {
                    ctx.addAdditionalResponseHeader(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
                    ctx.addAdditionalResponseHeader(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                    return delegate.serve(ctx, req);
                });
    }

    /** {@code GET /v1/dashboard/events}. */
    public HttpService events() {
        return events;
    }
}
