package io.mesh4j.core.telemetry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.classify.ResponseClass;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The mesh's golden metrics, named once, so that every layer records them alike. Label values that come from
 * outside (routes, callers, endpoints) pass a {@link LabelGuard}; routes are templates, never raw paths.
 *
 * <table>
 *   <caption>What is recorded, as Prometheus shows it</caption>
 *   <tr><td>{@code mesh_server_requests_seconds_{count,sum,bucket}}</td>
 *       <td>service, route, method, status, outcome, peer</td></tr>
 *   <tr><td>{@code mesh_client_requests_seconds_{count,sum,bucket}}</td>
 *       <td>service (the one called), route, method, status, outcome</td></tr>
 *   <tr><td>{@code mesh_client_retries_total}</td><td>service, route</td></tr>
 *   <tr><td>{@code mesh_client_retry_budget_exhausted_total}</td><td>service</td></tr>
 *   <tr><td>{@code mesh_client_breaker_transitions_total}</td><td>service, endpoint, from, to</td></tr>
 *   <tr><td>{@code mesh_client_balancer_picks_total}</td><td>service, endpoint</td></tr>
 *   <tr><td>{@code mesh_server_authz_decisions_total}</td><td>service, route, peer, decision</td></tr>
 *   <tr><td>{@code mesh_tracing_malformed_headers_total}</td><td>header</td></tr>
 * </table>
 */
public final class MeshMetrics {

    /** The route of a request whose path matched no route template. */
    public static final String UNMATCHED = "unmatched";
    /** A caller or endpoint the mesh cannot name. */
    public static final String UNKNOWN = "unknown";

    /** Latency buckets, from a fast in-memory answer to a timeout. */
    static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10) };

    private final MeterRegistry registry;
    private final LabelGuard guard;

    MeshMetrics(MeterRegistry registry, int maxLabelValues) {
        this.registry = registry;
        guard = new LabelGuard(maxLabelValues);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * One inbound request, once its response is complete.
     *
     * @param status the response's status code, 0 when none was sent
     */
    public void serverRequest(String service, String route, HttpMethod method, int status, ResponseClass outcome,
                              String peer, long nanos) {
        Timer.builder("mesh.server.requests")
             .description("Inbound requests by route and caller, with how the mesh classified their outcome")
             .tag("service", service)
             .tag("route", guard.admit(service, "route", route))
             .tag("method", method.name())
             .tag("status", Integer.toString(status))
             .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
             .tag("peer", guard.admit(service, "peer", peer))
             .serviceLevelObjectives(BUCKETS)
             .register(registry)
             .record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * One outbound call as its caller saw it, every attempt included, once its response is complete.
     */
    public void clientRequest(String service, String route, HttpMethod method, int status, ResponseClass outcome,
                              long nanos) {
        Timer.builder("mesh.client.requests")
             .description("Outbound calls by called service and route, retries included")
             .tag("service", service)
             .tag("route", guard.admit("client/" + service, "route", route))
             .tag("method", method.name())
             .tag("status", Integer.toString(status))
             .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
             .serviceLevelObjectives(BUCKETS)
             .register(registry)
             .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** {@code retries} attempts beyond the first of one outbound call. */
    public void clientRetries(String service, String route, int retries) {
        if (retries <= 0) {
            return;
        }
        Counter.builder("mesh.client.retries")
               .description("Attempts beyond the first of outbound calls")
               .tag("service", service)
               .tag("route", guard.admit("client/" + service, "route", route))
               .register(registry)
               .increment(retries);
    }

    /** A retry the classifier allowed but the service's retry budget refused. */
    public void retryBudgetExhausted(String service) {
        Counter.builder("mesh.client.retry.budget.exhausted")
               .description("Retries refused because the retry budget was spent")
               .tag("service", service)
               .register(registry)
               .increment();
    }

    /** A circuit breaker of one endpoint changed state, such as {@code CLOSED} to {@code OPEN}. */
    public void breakerTransition(String service, String endpoint, String from, String to) {
        Counter.builder("mesh.client.breaker.transitions")
               .description("State changes of the per-endpoint circuit breakers")
               .tag("service", service)
               .tag("endpoint", guard.admit("client/" + service, "endpoint", endpoint))
               .tag("from", from)
               .tag("to", to)
               .register(registry)
               .increment();
    }

    /** The balancer picked {@code endpoint} for one attempt. */
    public void balancerPick(String service, String endpoint) {
        Counter.builder("mesh.client.balancer.picks")
               .description("Endpoints the balancer picked, one per attempt")
               .tag("service", service)
               .tag("endpoint", guard.admit("client/" + service, "endpoint", endpoint))
               .register(registry)
               .increment();
    }

    /**
     * An authorization decision on an inbound request: the AUTHZ layer calls this for every request it judges.
     */
    public void authorizationDecision(String service, String route, String peer, boolean allowed) {
        Counter.builder("mesh.server.authz.decisions")
               .description("Authorization decisions on inbound requests")
               .tag("service", service)
               .tag("route", guard.admit(service, "route", route))
               .tag("peer", guard.admit(service, "peer", peer))
               .tag("decision", allowed ? "allow" : "deny")
               .register(registry)
               .increment();
    }

    /** An inbound trace header that could not be read; the request went on with a new trace. */
    void malformedTraceHeader(String header) {
        Counter.builder("mesh.tracing.malformed.headers")
               .description("Inbound trace headers that were malformed and ignored")
               .tag("header", requireNonNull(header, "header"))
               .register(registry)
               .increment();
    }

    /** How many times {@code header} was malformed so far; for tests and the admin view. */
    public double malformedTraceHeaders(String header) {
        final Counter counter = registry.find("mesh.tracing.malformed.headers").tag("header", header).counter();
        return counter != null ? counter.count() : 0;
    }
}
