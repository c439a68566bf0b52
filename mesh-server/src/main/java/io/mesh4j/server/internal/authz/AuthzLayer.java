package io.mesh4j.server.internal.authz;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.authz.AccessDecision;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.SessionPeer;
import io.mesh4j.core.internal.policy.PolicyRegistry.LiveRoutes;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.routing.ServedOverrides;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.grpc.GrpcMethods;
import io.mesh4j.server.internal.grpc.GrpcServing;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;
import io.micrometer.core.instrument.Counter;

/**
 * Decides whether the caller, known by the SPIFFE ID its certificate proved, may call the route; first match
 * wins: the rules of the policy the registry pushed for this service, for a request they cover (a policy without
 * a default covers every request); else the route's {@link io.mesh4j.core.authz.AllowCallers} annotation; else the
 * service's own default, else the mesh-wide default ({@link AccessDecision.Fallback}, resolved when a push arrives), as {@link AccessDecision} decides.
 * A refusal is a 403 that names the caller, the route and what refused it (a gRPC call gets {@code PERMISSION_DENIED}
 * with the same words); every decision is counted by caller. gRPC health ({@code grpc.health.v1.Health}) is open
 * to every caller the listener admitted.
 *
 * <p>Priced per layer, this was 37.5 µs of CPU and ~700 bytes per request: the caller's ID turned into a service
 * name (a regular expression), its text, the policy's rules walked, and two counters looked up by new keys. Now the
 * caller is read once per TLS session ({@link SessionPeer}), and the decision for a route, method and caller is made
 * once per pushed policy and kept with the counters it increments; a push puts a new policy in force, and the next
 * request is decided under it.
 */
public final class AuthzLayer extends FusedServiceLayer {

    private static final Logger logger = LoggerFactory.getLogger(AuthzLayer.class);
    private static final String UNKNOWN_CALLER = "unknown";
    /**
     * At most this many decisions are kept per pushed policy (routes × methods × callers); beyond, a request is
     * decided as if it were the first, which is correct, only slower.
     */
    private static final int MAX_DECISIONS = 10_000;

    public AuthzLayer() {
        super(ServerRoles.AUTHZ);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        final ServiceName service = params.get(CommonParams.SERVICE);
        final PushedPolicy pushed = params.get(PushedPolicy.KEY);
        final AuthorizationTally counts = params.get(AuthorizationTally.KEY);
        final AnnotatedPolicies annotated = new AnnotatedPolicies(params.get(GrpcMethods.KEY));
        final RefusalLog refusals = new RefusalLog(service.value());
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        return new RequestAuthorization(service, pushed, annotated, counts, refusals, routes, metrics);
    }

    /**
     * What one route, method and caller come to under one pushed policy: refused with {@code refusal} (null:
     * allowed), counted in {@code tally} and {@code metric}.
     */
    private record Decision(@Nullable String refusal, LongAdder tally, Counter metric) {}

    /** A route (its config, one per route), a method and a caller's SPIFFE ID ({@value #UNKNOWN_CALLER}: none). */
    private record DecisionKey(ServiceConfig route, HttpMethod method, String caller) {}

    /** The decisions made under {@code inForce}; a push puts a new policy in force, and these are dropped with it. */
    private record Decisions(PushedPolicy.InForce inForce, Map<DecisionKey, Decision> byKey) {}

    /** The decision a route's last request came to: what the next one of the same method and caller reuses. */
    private record LastDecision(PushedPolicy.InForce inForce, HttpMethod method, String caller, Decision decision) {

        boolean is(PushedPolicy.InForce inForce, HttpMethod method, String caller) {
            return this.inForce == inForce
                    && this.method == method
                    && (this.caller == caller || this.caller.equals(caller));
        }
    }

    /** A route's last decision, read and replaced by its requests without a lock: each one is immutable. */
    private static final class RouteDecisions {
        volatile @Nullable LastDecision last;
    }

    private static final class RequestAuthorization implements Interceptor<ServiceRequestContext> {

        private final ServiceName service;
        private final PushedPolicy pushed;
        private final AnnotatedPolicies annotated;
        private final AuthorizationTally counts;
        private final RefusalLog refusals;
        private final ServerRoutes routes;
        private final MeshMetrics metrics;
        private volatile Decisions decisions;
        private final Map<ServiceConfig, RouteDecisions> lastByRoute = new ConcurrentHashMap<>();

        RequestAuthorization(
                ServiceName service,
                PushedPolicy pushed,
                AnnotatedPolicies annotated,
                AuthorizationTally counts,
                RefusalLog refusals,
                ServerRoutes routes,
                MeshMetrics metrics) {
            this.routes = routes;
            this.metrics = metrics;
            this.service = service;
            this.pushed = pushed;
            this.annotated = annotated;
            this.counts = counts;
            this.refusals = refusals;
            decisions = new Decisions(pushed.current(), new ConcurrentHashMap<>());
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            // The verified identity is kept on the TLS session, where METRICS reads it too: no request attribute
            // (an entry and a lock, ~100 bytes a request) carries it from here.
            final SessionPeer peer = SessionPeer.of(ctx);
            final @Nullable ServiceName verifiedService = peer.service();
            final @Nullable String peerText = peer.text();
            final String callerName = peerText != null ? peerText : UNKNOWN_CALLER;
            if (ctx.path().startsWith(GrpcServing.HEALTH_PATH_PREFIX)) {
                // gRPC health is for probes and balancers: any caller the listener admitted (with TLS, any workload
                // of the mesh) may ask it, as Istio and Linkerd let probes through whatever the policy says.
                decided(ctx, callerName, verifiedService, true);
                return null;
            }
            final Decision decision = decisionOf(ctx, verifiedService, callerName);
            decision.tally().increment();
            decision.metric().increment();
            final @Nullable String refusal = decision.refusal();
            if (refusal == null) {
                return allowed(ctx, exchange, verifiedService, callerName);
            }
            refusals.refused(refusal);
            logger.debug("{}", refusal);
            return Refusal.of(
                    ctx,
                    Status.Code.PERMISSION_DENIED,
                    refusal,
                    () -> HttpResponse.of(
                            HttpStatus.FORBIDDEN,
                            MediaType.JSON_UTF_8,
                            RegistryJson.writeError(ErrorBody.of(ErrorCode.FORBIDDEN, refusal))));
        }

        /**
         * The decision for this route, method and caller under the policy in force: made at the first such request
         * after a push and kept with that push, so a new push decides the next request afresh.
         */
        private Decision decisionOf(
                ServiceRequestContext ctx, @Nullable ServiceName verifiedService, String callerName) {
            final PushedPolicy.InForce inForce = pushed.current();
            // Most requests of a route are of its last request's method and caller: no key made, no map searched.
            final RouteDecisions route = lastByRoute.computeIfAbsent(ctx.config(), config -> new RouteDecisions());
            final @Nullable LastDecision last = route.last;
            if (last != null && last.is(inForce, ctx.method(), callerName)) {
                return last.decision();
            }
            final Decision decision = decisionUnder(inForce, ctx, verifiedService, callerName);
            route.last = new LastDecision(inForce, ctx.method(), callerName, decision);
            return decision;
        }

        private Decision decisionUnder(
                PushedPolicy.InForce inForce,
                ServiceRequestContext ctx,
                @Nullable ServiceName verifiedService,
                String callerName) {
            Decisions decisions = this.decisions;
            if (decisions.inForce() != inForce) {
                decisions = new Decisions(inForce, new ConcurrentHashMap<>());
                this.decisions = decisions;
            }
            final DecisionKey key = new DecisionKey(ctx.config(), ctx.method(), callerName);
            final @Nullable Decision known = decisions.byKey().get(key);
            if (known != null) {
                return known;
            }
            final Decision made = decide(ctx, inForce, verifiedService, callerName);
            if (decisions.byKey().size() < MAX_DECISIONS) {
                decisions.byKey().putIfAbsent(key, made);
            }
            return made;
        }

        private Decision decide(
                ServiceRequestContext ctx,
                PushedPolicy.InForce inForce,
                @Nullable ServiceName verifiedService,
                String callerName) {
            final String route = ctx.config().route().patternString();
            // The decision itself is core's, so that meshctl explain predicts it by the same code.
            final AccessDecision decided = AccessDecision.decide(
                    inForce.policy(),
                    inForce.fallback(),
                    annotated.of(ctx.config()),
                    route,
                    ctx.method(),
                    verifiedService);
            final boolean allowed = decided.allowed();
            final String refusal = allowed
                    ? null
                    : (callerName.equals(UNKNOWN_CALLER)
                                    ? "a caller without a mesh identity may not call "
                                    : callerName + " may not call ")
                            + ctx.method() + ' ' + route + " of " + service + " (" + decided.reason() + ")";
            return new Decision(
                    refusal,
                    counts.counter(callerName, allowed),
                    metrics.authorizationCounter(
                            service.value(),
                            route,
                            verifiedService != null ? verifiedService.value() : MeshMetrics.UNKNOWN,
                            allowed));
        }

        private void decided(
                ServiceRequestContext ctx, String callerName, @Nullable ServiceName caller, boolean allowed) {
            counts.count(callerName, allowed);
            metrics.authorizationDecision(
                    service.value(),
                    ctx.config().route().patternString(),
                    caller != null ? caller.value() : MeshMetrics.UNKNOWN,
                    allowed);
        }

        /**
         * Serves an allowed request, after judging its route override, if it has one: followed downstream when
         * the service's route config lists the caller in {@code overrideCallers}, else dropped and counted.
         */
        private @Nullable HttpResponse allowed(
                ServiceRequestContext ctx,
                Exchange<ServiceRequestContext> exchange,
                @Nullable ServiceName callerService,
                String callerName) {
            final @Nullable String header = exchange.header(RouteOverride.HEADER);
            if (header != null) {
                final @Nullable LiveRoutes live = routes.live();
                final boolean trusted = callerService != null
                        && live != null
                        && live.current().overrideCallers().contains(callerService);
                if (!trusted) {
                    ServedOverrides.refuse(ctx);
                    counts.countIgnoredOverride(callerName);
                    refusals.refused("ignored the route override '" + header + "' of " + callerName + " to " + service
                            + ": it is not in the route config's overrideCallers");
                } else {
                    try {
                        ServedOverrides.accept(ctx, RouteOverride.parse(header));
                    } catch (IllegalArgumentException e) {
                        ServedOverrides.refuse(ctx);
                        counts.countIgnoredOverride(callerName);
                        refusals.refused("ignored a malformed route override of " + callerName + ": " + e.getMessage());
                    }
                }
            }
            return null;
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "RequestAuthorization(" + service + ')';
        }
    }
}
