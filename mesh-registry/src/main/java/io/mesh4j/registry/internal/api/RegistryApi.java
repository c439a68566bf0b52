package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.check.MeshCheck;
import io.mesh4j.registry.internal.dashboard.Dashboard;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.documents.MeshDefaultPolicy;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.kubernetes.TokenReviewer;
import io.mesh4j.registry.internal.metrics.MetricsApi;
import io.mesh4j.registry.internal.quota.QuotaApi;
import io.mesh4j.registry.internal.quota.QuotaHolders;
import io.mesh4j.registry.internal.quota.QuotaLeases;
import io.mesh4j.registry.internal.quota.QuotaWarnings;
import io.mesh4j.registry.internal.tap.TapApi;
import io.mesh4j.registry.internal.tap.TapSessions;
import io.mesh4j.registry.internal.tokens.JoinTokens;
import io.mesh4j.registry.internal.tokens.ViewerTokens;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * The instance half of the registry contract (DESIGN.md, "The registry contract"), laid onto an Armeria server.
 */
public final class RegistryApi {

    /** The largest request body the registry reads; a registration is a few hundred bytes. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    static final String HEALTH = "/healthz";
    static final String METRICS = "/metrics";
    static final String SERVICES = "/v1/services";
    static final String INSTANCES = "/v1/services/{service}/instances";
    static final String INSTANCE = "/v1/services/{service}/instances/{id}";
    static final String HEARTBEAT = "/v1/services/{service}/instances/{id}/heartbeat";
    static final String CSR = "/v1/identity/csr";
    static final String TRUST_BUNDLE = "/v1/identity/trust-bundle";
    static final String TOKENS = "/v1/admin/tokens";
    static final String TOKEN = "/v1/admin/tokens/{id}";
    static final String VIEWER_TOKENS = "/v1/admin/viewer-tokens";
    static final String VIEWER_TOKEN = "/v1/admin/viewer-tokens/{id}";
    static final String CA_ROTATE = "/v1/admin/ca/rotate";
    static final String TRUST = "/v1/identity/trust";
    static final String REVOCATIONS = "/v1/admin/revocations";
    static final String POLICY = "/v1/policies/{service}";
    static final String ROUTES = "/v1/routes/{service}";
    static final String DEFAULT_POLICY = RegistryClient.DEFAULT_POLICY_PATH;

    /** Every path served, for the message of a 404. */
    static final List<String> PATHS = List.of(
            HEALTH,
            Readiness.PATH,
            METRICS,
            SERVICES,
            MetricsApi.REPORT,
            MetricsApi.SERVICES,
            MetricsApi.SERVICE,
            MetricsApi.EDGES,
            MetricsApi.MEMBERS,
            MeshCheck.PATH,
            Dashboard.PAGE,
            Dashboard.EVENTS,
            INSTANCES,
            INSTANCE,
            HEARTBEAT,
            POLICY,
            DEFAULT_POLICY,
            ROUTES,
            CSR,
            TRUST_BUNDLE,
            TRUST,
            TOKENS,
            TOKEN,
            VIEWER_TOKENS,
            VIEWER_TOKEN,
            CA_ROTATE,
            REVOCATIONS,
            QuotaApi.LEASES,
            QuotaApi.LIST,
            TapApi.TAP,
            TapApi.SESSIONS,
            TapApi.RECORDS);

    private static final byte[] SERVING = "{\"status\":\"serving\"}".getBytes(StandardCharsets.UTF_8);

    /**
     * Adds the routes, the body limit and the JSON error bodies to {@code server}, serving {@code table}, guarded
     * by {@code access}; with {@code authority}, the identity and admin calls too (a registry with TLS); with
     * {@code watchStreams}, instance watches may be streams ({@code stream=true}), else that parameter is ignored.
     * {@code readiness} answers {@code /readyz}; the store's failure is one of its checks, added here.
     *
     * @return how many services the calls keep an answer for (the documents' latest answers), for tests that
     *     check that unknown names leave nothing behind
     */
    public static IntSupplier addTo(
            ServerBuilder server,
            InstanceTable table,
            DocumentStore<AccessPolicy> policies,
            MeshDefaultPolicy meshDefault,
            DocumentStore<RouteConfig> routes,
            Access access,
            MetricsApi metrics,
            QuotaHolders quotaHolders,
            @Nullable Authority authority,
            boolean watchStreams,
            Readiness readiness) {
        requireNonNull(server, "server");
        requireNonNull(readiness, "readiness");
        requireNonNull(table, "table");
        requireNonNull(policies, "policies");
        requireNonNull(meshDefault, "meshDefault");
        requireNonNull(routes, "routes");
        requireNonNull(access, "access");
        final InstanceService instance = new InstanceService(table);
        final DocumentService<AccessPolicy> policy = new DocumentService<>(
                "access policy",
                "/v1/policies/",
                policies,
                PolicyJson::parsePolicy,
                // The mesh-wide default rides in every answer, so that the watch members have already carries it.
                versioned -> PolicyJson.writeSnapshot(new PolicyJson.PolicySnapshot(
                        versioned.index(),
                        versioned.document(),
                        meshDefault.current().defaultPolicy())),
                (service, document) -> List.of());
        final DocumentService<RouteConfig> route = new DocumentService<>(
                "route config",
                "/v1/routes/",
                routes,
                RouteJson::parse,
                versioned ->
                        RouteJson.writeSnapshot(new RouteJson.RoutesSnapshot(versioned.index(), versioned.document())),
                (service, config) -> {
                    final List<String> warnings = new ArrayList<>(RouteWarnings.of(
                            service.value(), config, table.snapshot(service).instances()));
                    warnings.addAll(QuotaWarnings.of(config, table.services()));
                    return warnings;
                });
        final DefaultPolicyService defaultPolicy = new DefaultPolicyService(meshDefault);
        final HttpService health = (ctx, req) -> {
            // 503 once the store has failed: the registry still answers reads but refuses every change.
            final @Nullable String refusal = table.refusal();
            return refusal == null ? JsonResponses.ok(SERVING) : JsonResponses.error(ErrorCode.UNAVAILABLE, refusal);
        };
        final HttpService services = (ctx, req) -> JsonResponses.ok(RegistryJson.writeServices(table.services()));
        // The registry's own counts (its watch streams), for Prometheus: read as the golden metrics are.
        final WatchStreamStats streamStats = new WatchStreamStats();
        server.maxRequestLength(MAX_BODY_BYTES)
                .errorHandler(new JsonErrorHandler())
                .service(HEALTH, new MethodRouter(Map.of(HttpMethod.GET, health)))
                .service(
                        Readiness.PATH,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, readiness.check(table::refusal).service())))
                .service(METRICS, new MethodRouter(Map.of(HttpMethod.GET, access.viewer(streamStats.metrics()))))
                .service(SERVICES, new MethodRouter(Map.of(HttpMethod.GET, access.member(services))))
                .service(
                        INSTANCES,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, access.member(new WatchService(table, watchStreams, streamStats)))))
                .service(
                        INSTANCE,
                        new MethodRouter(Map.of(
                                HttpMethod.PUT, access.serviceWorkload("instance.register", instance::register),
                                HttpMethod.DELETE,
                                        access.serviceWorkload("instance.deregister", instance::deregister))))
                .service(
                        HEARTBEAT,
                        new MethodRouter(Map.of(
                                HttpMethod.PUT, access.serviceWorkload("instance.heartbeat", instance::heartbeat))))
                .service(
                        POLICY,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, access.member(policy::get),
                                HttpMethod.PUT, access.admin("policy.put", RegistryApi::service, policy::put),
                                HttpMethod.DELETE,
                                        access.admin("policy.delete", RegistryApi::service, policy::delete))))
                .service(
                        DEFAULT_POLICY,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, access.member(defaultPolicy::get),
                                HttpMethod.PUT,
                                        access.admin(
                                                "policy.default",
                                                ctx -> "the mesh-wide default policy",
                                                defaultPolicy::put))))
                .service(
                        ROUTES,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, access.member(route::get),
                                HttpMethod.PUT, access.admin("routes.put", RegistryApi::service, route::put),
                                HttpMethod.DELETE,
                                        access.admin("routes.delete", RegistryApi::service, route::delete))));
        // Golden metrics: a member reports its own service's edges only; any member, the viewer token or the operator
        // reads them.
        server.service(
                        MetricsApi.REPORT,
                        new MethodRouter(Map.of(
                                HttpMethod.POST,
                                access.serviceWorkload(
                                        "metrics.report", "report only its own service's metrics", metrics.report()))))
                .service(
                        MetricsApi.SERVICES,
                        new MethodRouter(Map.of(HttpMethod.GET, access.viewer(metrics.services()))))
                .service(MetricsApi.SERVICE, new MethodRouter(Map.of(HttpMethod.GET, access.viewer(metrics.service()))))
                .service(MetricsApi.EDGES, new MethodRouter(Map.of(HttpMethod.GET, access.viewer(metrics.edges()))))
                .service(
                        MetricsApi.MEMBERS, new MethodRouter(Map.of(HttpMethod.GET, access.viewer(metrics.members()))));
        // The dashboard: its page is public (it holds nothing secret); what it draws is read as the stats are.
        final Dashboard dashboard = new Dashboard(
                metrics.clock(),
                table,
                metrics,
                routes,
                policies,
                () -> meshDefault.current().defaultPolicy(),
                authority != null ? authority.ca()::trustBundle : List::of);
        server.serviceUnder(Dashboard.PAGE, dashboard.page())
                .service("/dashboard", (ctx, req) -> HttpResponse.ofRedirect(Dashboard.PAGE))
                .service(Dashboard.EVENTS, new MethodRouter(Map.of(HttpMethod.GET, access.viewer(dashboard.events()))));
        // Quota leases: an instance leases shares of its own service's quotas only; any member or the operator reads.
        final QuotaApi quotas = new QuotaApi(
                new QuotaLeases(metrics.clock(), quotaHolders),
                routes,
                service -> table.snapshot(service).instances().size());
        server.service(
                        QuotaApi.LEASES,
                        new MethodRouter(Map.of(
                                HttpMethod.POST,
                                access.serviceWorkload(
                                        "quota.lease",
                                        "lease shares only of its own service's quotas (a quota is leased by the "
                                                + "instances that serve it, under their own service's path)",
                                        quotas.lease()))))
                .service(QuotaApi.LIST, new MethodRouter(Map.of(HttpMethod.GET, access.member(quotas.list()))));
        // Tap: the operator alone opens one (it shows live requests); a service's own workloads watch its taps and
        // send their records.
        final TapApi tap = new TapApi(new TapSessions(metrics.clock(), System::nanoTime));
        server.service(
                        TapApi.TAP,
                        new MethodRouter(Map.of(
                                HttpMethod.GET, access.adminStream("tap.open", RegistryApi::service, tap.open()))))
                .service(
                        TapApi.SESSIONS,
                        new MethodRouter(Map.of(HttpMethod.GET, access.serviceWorkload("tap.watch", tap.watch()))))
                .service(
                        TapApi.RECORDS,
                        new MethodRouter(
                                Map.of(HttpMethod.POST, access.serviceWorkload("tap.records", tap.records()))));
        final MeshCheck check = new MeshCheck(
                metrics.clock(),
                table,
                policies,
                () -> meshDefault.current().defaultPolicy(),
                routes,
                metrics,
                authority != null ? authority.ca()::trustBundle : List::of);
        server.service(
                MeshCheck.PATH,
                new MethodRouter(
                        Map.of(HttpMethod.GET, access.admin("mesh.check", ctx -> "the mesh", check.service()))));
        final IntSupplier answersHeld = () -> policy.answersHeld() + route.answersHeld();
        if (authority == null) {
            final HttpService none = (ctx, req) -> JsonResponses.error(
                    ErrorCode.NOT_FOUND,
                    "this registry runs with --plaintext: it issues no certificates and makes " + "no join tokens");
            for (String path : List.of(
                    CSR, TRUST_BUNDLE, TRUST, TOKENS, TOKEN, VIEWER_TOKENS, VIEWER_TOKEN, CA_ROTATE, REVOCATIONS)) {
                server.service(path, none);
            }
            return answersHeld;
        }
        final IdentityService identity = new IdentityService(
                authority.ca(),
                authority.tokens(),
                authority.trust(),
                access,
                authority.csrLimit(),
                authority.tokenReviewer());
        final AdminService admin = new AdminService(authority.ca(), authority.tokens(), authority.trust());
        final TrustService trust = new TrustService(authority.trust());
        final ViewerTokenService viewers = new ViewerTokenService(authority.viewerTokens());
        server.service(CSR, new MethodRouter(Map.of(HttpMethod.POST, identity::csr)))
                .service(TRUST_BUNDLE, new MethodRouter(Map.of(HttpMethod.GET, identity::trustBundle)))
                .service(TRUST, new MethodRouter(Map.of(HttpMethod.GET, access.member(trust::get))))
                .service(
                        REVOCATIONS,
                        new MethodRouter(Map.of(
                                HttpMethod.POST, access.admin("cert.revoke", ctx -> "a certificate", admin::revoke),
                                HttpMethod.GET,
                                        access.admin("cert.list", ctx -> "revocations", admin::listRevocations))))
                .service(
                        TOKENS,
                        new MethodRouter(Map.of(
                                HttpMethod.POST,
                                        access.admin("token.create", ctx -> "a new join token", admin::createToken),
                                HttpMethod.GET, access.admin("token.list", ctx -> "join tokens", admin::listTokens))))
                .service(
                        TOKEN,
                        new MethodRouter(Map.of(
                                HttpMethod.DELETE,
                                access.admin(
                                        "token.revoke", ctx -> "token " + ctx.pathParam("id"), admin::revokeToken))))
                .service(
                        VIEWER_TOKENS,
                        new MethodRouter(Map.of(
                                HttpMethod.POST,
                                        access.admin(
                                                "viewer-token.create", ctx -> "a new viewer token", viewers::create),
                                HttpMethod.GET,
                                        access.admin("viewer-token.list", ctx -> "viewer tokens", viewers::list))))
                .service(
                        VIEWER_TOKEN,
                        new MethodRouter(Map.of(
                                HttpMethod.DELETE,
                                access.admin(
                                        "viewer-token.revoke",
                                        ctx -> "viewer token " + ctx.pathParam("id"),
                                        viewers::revoke))))
                .service(
                        CA_ROTATE,
                        new MethodRouter(
                                Map.of(HttpMethod.POST, access.admin("ca.rotate", ctx -> "the CA", admin::rotateCa))));
        return answersHeld;
    }

    /**
     * What a registry with TLS issues from: its CA, its join tokens, the trust state it pushes, and how many
     * certificate requests it takes from one address.
     */
    public record Authority(
            CertificateAuthority ca,
            JoinTokens tokens,
            ViewerTokens viewerTokens,
            MeshTrust trust,
            SourceRateLimit csrLimit,
            @Nullable TokenReviewer tokenReviewer) {}

    /** The audit target of a call on {@code {service}}. */
    private static String service(ServiceRequestContext ctx) {
        return "service " + ctx.pathParam("service");
    }

    private RegistryApi() {}
}
