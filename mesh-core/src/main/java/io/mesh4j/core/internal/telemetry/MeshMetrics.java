package io.mesh4j.core.internal.telemetry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.summary.EdgeCell;
import io.mesh4j.core.internal.summary.Summaries;
import io.mesh4j.core.internal.tap.MemberTap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Measurement;
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
 *   <tr><td>{@code mesh_server_grpc_responses_total}</td><td>service, route (the gRPC method), grpc_status</td></tr>
 *   <tr><td>{@code mesh_client_grpc_responses_total}</td><td>service, route (the gRPC method), grpc_status</td></tr>
 *   <tr><td>{@code mesh_server_grpc_stream_messages_{count,sum,max,bucket}}</td>
 *       <td>service, route (a streaming gRPC method), direction ({@code sent} or {@code received})</td></tr>
 *   <tr><td>{@code mesh_client_grpc_stream_messages_{count,sum,max,bucket}}</td>
 *       <td>service, route (a streaming gRPC method), direction ({@code sent} or {@code received})</td></tr>
 *   <tr><td>{@code mesh_client_retries_total}</td><td>service, route</td></tr>
 *   <tr><td>{@code mesh_client_retry_budget_exhausted_total}</td><td>service</td></tr>
 *   <tr><td>{@code mesh_client_breaker_transitions_total}</td><td>service, endpoint, from, to</td></tr>
 *   <tr><td>{@code mesh_client_balancer_picks_total}</td><td>service, endpoint</td></tr>
 *   <tr><td>{@code mesh_server_authz_decisions_total}</td><td>service, route, peer, decision</td></tr>
 *   <tr><td>{@code mesh_server_websocket_connections_active}</td><td>service, route</td></tr>
 *   <tr><td>{@code mesh_server_websocket_messages_total}</td><td>service, route, direction ({@code in}, {@code out})</td></tr>
 *   <tr><td>{@code mesh_server_websocket_closes_total}</td><td>service, route, code, by ({@code server},
 *       {@code client}, {@code none})</td></tr>
 *   <tr><td>{@code mesh_client_websocket_connections_active}</td><td>service (the one called), route</td></tr>
 *   <tr><td>{@code mesh_client_websocket_messages_total}</td><td>service, route, direction ({@code out}, {@code in})</td></tr>
 *   <tr><td>{@code mesh_client_websocket_closes_total}</td><td>service, route, code, by ({@code client},
 *       {@code server}, {@code none})</td></tr>
 *   <tr><td>{@code mesh_client_websocket_connect_failures_total}</td><td>service, route, reason ({@code refused},
 *       {@code unavailable}, {@code tls}, {@code io})</td></tr>
 *   <tr><td>{@code mesh_tracing_malformed_headers_total}</td><td>header</td></tr>
 *   <tr><td>{@code mesh_tap_records_total}</td><td>outcome ({@code sampled} for a tap, {@code dropped}: the queue
 *       was full or the registry did not take them); zero while nobody taps</td></tr>
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
        Duration.ofSeconds(10)
    };

    /** Messages per stream buckets, from an empty stream to a long-lived feed. */
    static final double[] MESSAGE_BUCKETS = {1, 10, 100, 1_000, 10_000, 100_000};

    private final MeterRegistry registry;
    private final LabelGuard guard;
    /*
     * The meters recorded on every request, by their label values once guarded. Micrometer's builder sorts and
     * copies the tags and looks the meter up by them on every call; these maps are a single lookup instead. They
     * are as bounded as the series are: every key holds guarded values only.
     */
    private final Map<RequestSeries, Recorded> serverRequests = new ConcurrentHashMap<>();
    private final Map<GrpcSeries, Counter> serverGrpcResponses = new ConcurrentHashMap<>();
    private final Map<GrpcSeries, Counter> clientGrpcResponses = new ConcurrentHashMap<>();
    private final Map<RequestSeries, Recorded> clientRequests = new ConcurrentHashMap<>();
    private final Map<StreamSeries, DistributionSummary> serverStreamMessages = new ConcurrentHashMap<>();
    private final Map<StreamSeries, DistributionSummary> clientStreamMessages = new ConcurrentHashMap<>();
    private final Map<PickSeries, Counter> balancerPicks = new ConcurrentHashMap<>();
    private final Map<AuthzSeries, Counter> authorizationDecisions = new ConcurrentHashMap<>();
    private final Map<WebSocketSeries, AtomicInteger> openWebSockets = new ConcurrentHashMap<>();
    private final Map<WebSocketMessageSeries, Counter> webSocketMessages = new ConcurrentHashMap<>();
    private final Map<WebSocketSeries, AtomicInteger> clientOpenWebSockets = new ConcurrentHashMap<>();
    private final Map<WebSocketMessageSeries, Counter> clientWebSocketMessages = new ConcurrentHashMap<>();

    /*
     * The summaries the member reports to the registry, filled from the same series as the meters: a request series'
     * edge cell is found when its timer is, and kept beside it, so a request costs no second lookup.
     */
    private final Summaries summaries;

    public MeshMetrics(MeterRegistry registry, int maxLabelValues) {
        this(registry, maxLabelValues, Summaries.DEFAULT_INTERVAL);
    }

    /**
     * @param reportInterval how often a member reports its summaries to the registry, {@link Duration#ZERO} for never
     */
    public MeshMetrics(MeterRegistry registry, int maxLabelValues, Duration reportInterval) {
        this.registry = registry;
        guard = new LabelGuard(maxLabelValues);
        summaries = new Summaries(reportInterval);
        final MemberTap tap = summaries.tap();
        FunctionCounter.builder("mesh.tap.records", tap, MemberTap::sampled)
                .description("Requests sampled for the taps open on this member's service (meshctl tap), by outcome")
                .tag("outcome", "sampled")
                .register(registry);
        FunctionCounter.builder("mesh.tap.records", tap, MemberTap::dropped)
                .description("Requests sampled for the taps open on this member's service (meshctl tap), by outcome")
                .tag("outcome", "dropped")
                .register(registry);
    }

    /**
     * The member's side of tap: {@code tap().isOpen()} is the one read a request pays while no tap is open, and
     * the metrics layers offer it the requests they record while one is.
     */
    public MemberTap tap() {
        return summaries.tap();
    }

    /** The per-edge summaries a member reports to the registry. */
    public Summaries summaries() {
        return summaries;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * One inbound request, once its response is complete.
     *
     * @param status the response's status code, 0 when none was sent
     */
    public void serverRequest(
            String service,
            String route,
            HttpMethod method,
            int status,
            ResponseClass outcome,
            String peer,
            long nanos) {
        final Recorded recorded = serverSeries(service, route, method, status, outcome, peer);
        recorded.timer().record(nanos, TimeUnit.NANOSECONDS);
        recorded.cell().record(nanos, outcome == ResponseClass.SUCCESS);
    }

    /**
     * The meters of {@link #serverRequest}'s series, for a caller that keeps them: the same every time for the same
     * arguments, since a label value admitted stays admitted and one refused stays refused.
     *
     * @param status the response's status code, 0 when none was sent
     */
    public Recorded serverSeries(
            String service, String route, HttpMethod method, int status, ResponseClass outcome, String peer) {
        final RequestSeries series = new RequestSeries(
                service,
                guard.admit(service, "route", route),
                method,
                status,
                outcome,
                guard.admit(service, "peer", peer));
        return serverRequests.computeIfAbsent(
                series,
                s -> new Recorded(
                        serverTimer(s), summaries.cell(Summaries.Side.SERVER, s.peer(), s.service(), s.route())));
    }

    private Timer serverTimer(RequestSeries series) {
        return Timer.builder("mesh.server.requests")
                .description("Inbound requests by route and caller, with how the mesh classified their outcome")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("method", series.method().name())
                .tag("status", Integer.toString(series.status()))
                .tag("outcome", series.outcome().name().toLowerCase(Locale.ROOT))
                .tag("peer", series.peer())
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    /**
     * How one inbound gRPC call ended, by its gRPC status: beside {@link #serverRequest}, whose {@code status} is the
     * HTTP 200 every gRPC answer has, so that the HTTP series keep their labels.
     *
     * @param grpcStatus the call's {@code grpc-status} code
     */
    public void serverGrpcResponse(String service, String route, int grpcStatus) {
        serverGrpcCounter(service, route, grpcStatus).increment();
    }

    /** The counter of {@link #serverGrpcResponse}'s series, for a caller that keeps it, as {@link #serverSeries}. */
    public Counter serverGrpcCounter(String service, String route, int grpcStatus) {
        final GrpcSeries series =
                new GrpcSeries(service, guard.admit(service, "route", route), GrpcStatuses.name(grpcStatus));
        return serverGrpcResponses.computeIfAbsent(
                series, s -> grpcCounter("mesh.server.grpc.responses", "Inbound gRPC calls", s));
    }

    /**
     * How one outbound gRPC call ended as its caller saw it, every attempt included, by its gRPC status.
     *
     * @param grpcStatus the call's {@code grpc-status} code
     */
    public void clientGrpcResponse(String service, String route, int grpcStatus) {
        final GrpcSeries series =
                new GrpcSeries(service, guard.admitOutbound(service, "route", route), GrpcStatuses.name(grpcStatus));
        clientGrpcResponses
                .computeIfAbsent(series, s -> grpcCounter("mesh.client.grpc.responses", "Outbound gRPC calls", s))
                .increment();
    }

    /**
     * How many messages one inbound streaming gRPC call carried each way, once it has ended (however it ended).
     *
     * @param route the method's path, {@code /pkg.Service/Method}
     * @param sent the messages the service sent
     * @param received the messages the service received
     */
    public void serverStreamMessages(String service, String route, long sent, long received) {
        final String guarded = guard.admit(service, "route", route);
        streamMessages(
                serverStreamMessages, "mesh.server.grpc.stream.messages", "Inbound", service, guarded, sent, received);
    }

    /**
     * How many messages one outbound streaming gRPC call carried each way, once it has ended (however it ended).
     *
     * @param route the method's path, {@code /pkg.Service/Method}
     * @param sent the messages the caller sent
     * @param received the messages the caller received
     */
    public void clientStreamMessages(String service, String route, long sent, long received) {
        final String guarded = guard.admitOutbound(service, "route", route);
        streamMessages(
                clientStreamMessages, "mesh.client.grpc.stream.messages", "Outbound", service, guarded, sent, received);
    }

    private void streamMessages(
            Map<StreamSeries, DistributionSummary> summaries,
            String name,
            String what,
            String service,
            String route,
            long sent,
            long received) {
        summaries
                .computeIfAbsent(new StreamSeries(service, route, "sent"), s -> streamSummary(name, what, s))
                .record(sent);
        summaries
                .computeIfAbsent(new StreamSeries(service, route, "received"), s -> streamSummary(name, what, s))
                .record(received);
    }

    private DistributionSummary streamSummary(String name, String what, StreamSeries series) {
        return DistributionSummary.builder(name)
                .description(what + " streaming gRPC calls by method: the messages each call carried one way")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("direction", series.direction())
                .serviceLevelObjectives(MESSAGE_BUCKETS)
                .register(registry);
    }

    private Counter grpcCounter(String name, String what, GrpcSeries series) {
        return Counter.builder(name)
                .description(what + " by method and the gRPC status they ended with")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("grpc_status", series.grpcStatus())
                .register(registry);
    }

    /**
     * One outbound call as its caller saw it, every attempt included, once its response is complete.
     *
     * @param caller the service the call is made from (the mesh client's identity), {@value #UNKNOWN} without one
     */
    public void clientRequest(
            String caller,
            String service,
            String route,
            HttpMethod method,
            int status,
            ResponseClass outcome,
            long nanos) {
        // The series' peer is the caller here: not a label of the timer, but the owner of the edge's summary.
        final RequestSeries series = new RequestSeries(
                service, guard.admitOutbound(service, "route", route), method, status, outcome, caller);
        final Recorded recorded = clientRequests.computeIfAbsent(series, this::newClientRecorded);
        recorded.timer().record(nanos, TimeUnit.NANOSECONDS);
        recorded.cell().record(nanos, outcome == ResponseClass.SUCCESS);
    }

    /**
     * The outbound calls from {@code caller} to {@code service}, for a client that records every call to one service:
     * {@link ClientCalls#record} finds a series it recorded before without building a key, where
     * {@link #clientRequest} builds two (the guard's scope and the series) on every call.
     *
     * @param caller the service the calls are made from, {@value #UNKNOWN} without one
     * @param service the service called
     * @return a new recorder of the calls of that edge; one per service client, made once
     */
    public ClientCalls clientCalls(String caller, String service) {
        return new ClientCalls(requireNonNull(caller, "caller"), requireNonNull(service, "service"));
    }

    /**
     * The outbound calls of one edge (caller to service), recorded into the same meters and summaries as
     * {@link #clientRequest}: by route, the guarded route and the series recorded so far, each found by its method,
     * status and outcome packed into an int.
     */
    public final class ClientCalls {

        private final String caller;
        private final String service;
        /*
         * Only routes the guard admitted are kept, each under its own value: as bounded as the guard's sets. A route
         * refused (over the guard's bound) shares one entry, found through the guard every time.
         */
        private final Map<String, RouteSeries> routes = new ConcurrentHashMap<>();
        private final RouteSeries other = new RouteSeries(LabelGuard.OTHER);

        ClientCalls(String caller, String service) {
            this.caller = caller;
            this.service = service;
        }

        /**
         * One call as its caller saw it, every attempt included, once its response is complete: as
         * {@link #clientRequest} records it.
         *
         * @param route the call's route template, or {@value #UNMATCHED}
         * @param status the response's status code, 0 when none came
         */
        public void record(String route, HttpMethod method, int status, ResponseClass outcome, long nanos) {
            RouteSeries series = routes.get(route);
            if (series == null) {
                final String guarded = guard.admitOutbound(service, "route", route);
                series = guarded.equals(route) ? routes.computeIfAbsent(route, RouteSeries::new) : other;
            }
            final Recorded recorded = series.find(method, status, outcome);
            recorded.timer().record(nanos, TimeUnit.NANOSECONDS);
            recorded.cell().record(nanos, outcome == ResponseClass.SUCCESS);
        }

        /** The series of one guarded route, by method, status and outcome; few, so a copied array, read lock-free. */
        private final class RouteSeries {

            private final String route;
            private volatile int[] keys = new int[0];
            private volatile Recorded[] recorded = new Recorded[0];

            RouteSeries(String route) {
                this.route = route;
            }

            Recorded find(HttpMethod method, int status, ResponseClass outcome) {
                final int key = method.ordinal() << 24 | outcome.ordinal() << 16 | status & 0xFFFF;
                final Recorded[] values = recorded;
                final int[] known = keys;
                // add() writes the values before the keys, and they are read in the same order: a key read here may
                // lack its value in the values read (hence the bound), and is then found again under add()'s lock.
                for (int i = 0; i < known.length && i < values.length; i++) {
                    if (known[i] == key) {
                        return values[i];
                    }
                }
                return add(key, method, status, outcome);
            }

            private synchronized Recorded add(int key, HttpMethod method, int status, ResponseClass outcome) {
                final int[] known = keys;
                for (int i = 0; i < known.length; i++) {
                    if (known[i] == key) {
                        return recorded[i];
                    }
                }
                // The same meters clientRequest finds: one series whichever way it is recorded.
                final RequestSeries series = new RequestSeries(service, route, method, status, outcome, caller);
                final Recorded found = clientRequests.computeIfAbsent(series, MeshMetrics.this::newClientRecorded);
                final Recorded[] values = Arrays.copyOf(recorded, known.length + 1);
                values[known.length] = found;
                recorded = values;
                final int[] grown = Arrays.copyOf(known, known.length + 1);
                grown[known.length] = key;
                keys = grown;
                return found;
            }
        }
    }

    private Recorded newClientRecorded(RequestSeries s) {
        return new Recorded(clientTimer(s), summaries.cell(Summaries.Side.CLIENT, s.peer(), s.service(), s.route()));
    }

    private Timer clientTimer(RequestSeries series) {
        return Timer.builder("mesh.client.requests")
                .description("Outbound calls by called service and route, retries included")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("method", series.method().name())
                .tag("status", Integer.toString(series.status()))
                .tag("outcome", series.outcome().name().toLowerCase(Locale.ROOT))
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    /** {@code retries} attempts beyond the first (retries and hedges) of one outbound call from {@code caller}. */
    public void clientRetries(String caller, String service, String route, int retries) {
        if (retries <= 0) {
            return;
        }
        final String guarded = guard.admitOutbound(service, "route", route);
        Counter.builder("mesh.client.retries")
                .description("Attempts beyond the first of outbound calls")
                .tag("service", service)
                .tag("route", guarded)
                .register(registry)
                .increment(retries);
        summaries.cell(Summaries.Side.CLIENT, caller, service, guarded).retried(retries);
    }

    /** A retry the classifier allowed but the service's retry budget refused. */
    public void retryBudgetExhausted(String service) {
        Counter.builder("mesh.client.retry.budget.exhausted")
                .description("Retries refused because the retry budget was spent")
                .tag("service", service)
                .register(registry)
                .increment();
    }

    /**
     * A circuit breaker of one endpoint of {@code caller}'s client of {@code service} changed state; one that opened
     * ejected the endpoint, which the edge's summary counts.
     */
    public void breakerTransition(String caller, String service, String endpoint, String from, String to) {
        if ("OPEN".equals(to) || "FORCED_OPEN".equals(to)) {
            summaries
                    .cell(Summaries.Side.CLIENT, caller, service, Summaries.WHOLE_EDGE)
                    .ejected();
        }
        breakerTransition(service, endpoint, from, to);
    }

    /** A circuit breaker of one endpoint changed state, such as {@code CLOSED} to {@code OPEN}. */
    public void breakerTransition(String service, String endpoint, String from, String to) {
        Counter.builder("mesh.client.breaker.transitions")
                .description("State changes of the per-endpoint circuit breakers")
                .tag("service", service)
                .tag("endpoint", guard.admitOutbound(service, "endpoint", endpoint))
                .tag("from", from)
                .tag("to", to)
                .register(registry)
                .increment();
    }

    /** The balancer picked {@code endpoint} for one attempt. */
    public void balancerPick(String service, String endpoint) {
        final PickSeries series = new PickSeries(service, guard.admitOutbound(service, "endpoint", endpoint));
        balancerPicks.computeIfAbsent(series, this::pickCounter).increment();
    }

    private Counter pickCounter(PickSeries series) {
        return Counter.builder("mesh.client.balancer.picks")
                .description("Endpoints the balancer picked, one per attempt")
                .tag("service", series.service())
                .tag("endpoint", series.endpoint())
                .register(registry);
    }

    /**
     * An authorization decision on an inbound request: the AUTHZ layer calls this for every request it judges.
     */
    public void authorizationDecision(String service, String route, String peer, boolean allowed) {
        authorizationCounter(service, route, peer, allowed).increment();
    }

    /**
     * The counter of {@link #authorizationDecision}'s series, for a caller that keeps it: the same counter every
     * time for the same arguments, since a label value admitted stays admitted and one refused stays refused.
     */
    public Counter authorizationCounter(String service, String route, String peer, boolean allowed) {
        final AuthzSeries series = new AuthzSeries(
                service, guard.admit(service, "route", route), guard.admit(service, "peer", peer), allowed);
        return authorizationDecisions.computeIfAbsent(series, s -> {
            final Counter counter = authzCounter(s);
            // A denial counts in the edge's summary too: the counter kept by the caller counts both.
            return s.allowed()
                    ? counter
                    : new DenialCounter(
                            counter, summaries.cell(Summaries.Side.SERVER, s.peer(), s.service(), s.route()));
        });
    }

    private Counter authzCounter(AuthzSeries series) {
        return Counter.builder("mesh.server.authz.decisions")
                .description("Authorization decisions on inbound requests")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("peer", series.peer())
                .tag("decision", series.allowed() ? "allow" : "deny")
                .register(registry);
    }

    /**
     * A WebSocket upgrade to {@code route} was accepted: one more open connection until {@link #webSocketClosed}.
     *
     * @param route the WebSocket route's path, as the server was given it
     */
    public void webSocketOpened(String service, String route) {
        openWebSockets(service, route).incrementAndGet();
    }

    /**
     * A WebSocket connection ended.
     *
     * @param code the close code of the first close frame either side sent, 1006 (abnormal closure) when none was
     * @param by which side sent that frame: {@code server}, {@code client}, or {@code none}
     */
    public void webSocketClosed(String service, String route, int code, String by) {
        openWebSockets(service, route).decrementAndGet();
        Counter.builder("mesh.server.websocket.closes")
                .description("Inbound WebSocket connections that ended, by the close code that ended them")
                .tag("service", service)
                .tag("route", guard.admit(service, "route", route))
                .tag("code", Integer.toString(code))
                .tag("by", by)
                .register(registry)
                .increment();
    }

    /**
     * One WebSocket message (a text or binary frame; continuations are parts of it) crossed a connection.
     *
     * @param in {@code true} for one the caller sent, {@code false} for one the service sent
     */
    public void webSocketMessage(String service, String route, boolean in) {
        final WebSocketMessageSeries series =
                new WebSocketMessageSeries(service, guard.admit(service, "route", route), in);
        webSocketMessages.computeIfAbsent(series, this::webSocketMessageCounter).increment();
    }

    private Counter webSocketMessageCounter(WebSocketMessageSeries series) {
        return Counter.builder("mesh.server.websocket.messages")
                .description("WebSocket messages on inbound connections, by direction")
                .tag("service", series.service())
                .tag("route", series.route())
                .tag("direction", series.in() ? "in" : "out")
                .register(registry);
    }

    private AtomicInteger openWebSockets(String service, String route) {
        final WebSocketSeries series = new WebSocketSeries(service, guard.admit(service, "route", route));
        return openWebSockets.computeIfAbsent(series, s -> {
            final AtomicInteger open = new AtomicInteger();
            Gauge.builder("mesh.server.websocket.connections.active", open, AtomicInteger::get)
                    .description("Inbound WebSocket connections open now")
                    .tag("service", s.service())
                    .tag("route", s.route())
                    .strongReference(true)
                    .register(registry);
            return open;
        });
    }

    /**
     * An outbound WebSocket connection to {@code route} of {@code service} opened: one more open connection until
     * {@link #clientWebSocketClosed}.
     *
     * @param route the path the connection was made to
     */
    public void clientWebSocketOpened(String service, String route) {
        clientOpenWebSockets(service, route).incrementAndGet();
    }

    /**
     * An outbound WebSocket connection ended.
     *
     * @param code the close code of the first close frame either side sent, 1006 (abnormal closure) when none was
     * @param by which side sent that frame: {@code client} (this one), {@code server}, or {@code none}
     */
    public void clientWebSocketClosed(String service, String route, int code, String by) {
        clientOpenWebSockets(service, route).decrementAndGet();
        Counter.builder("mesh.client.websocket.closes")
                .description("Outbound WebSocket connections that ended, by the close code that ended them")
                .tag("service", service)
                .tag("route", guard.admitOutbound(service, "route", route))
                .tag("code", Integer.toString(code))
                .tag("by", by)
                .register(registry)
                .increment();
    }

    /**
     * One WebSocket message (a text or binary frame) crossed an outbound connection.
     *
     * @param sent {@code true} for one this client sent, {@code false} for one the service sent
     */
    public void clientWebSocketMessage(String service, String route, boolean sent) {
        // The series' "in" is the direction as this side sees it: here, received.
        final WebSocketMessageSeries series =
                new WebSocketMessageSeries(service, guard.admitOutbound(service, "route", route), !sent);
        clientWebSocketMessages
                .computeIfAbsent(
                        series,
                        s -> Counter.builder("mesh.client.websocket.messages")
                                .description("WebSocket messages on outbound connections, by direction")
                                .tag("service", s.service())
                                .tag("route", s.route())
                                .tag("direction", s.in() ? "in" : "out")
                                .register(registry))
                .increment();
    }

    /**
     * A WebSocket connect failed: no connection was opened.
     *
     * @param reason one of {@code refused} (the instance refused the upgrade, such as 403 by policy),
     *     {@code unavailable} (no instance, or every one tried was draining), {@code tls} (the TLS handshake
     *     failed), {@code io} (the connection could not be made or broke)
     */
    public void clientWebSocketConnectFailed(String service, String route, String reason) {
        Counter.builder("mesh.client.websocket.connect.failures")
                .description("Outbound WebSocket connects that opened no connection, by why")
                .tag("service", service)
                .tag("route", guard.admitOutbound(service, "route", route))
                .tag("reason", requireNonNull(reason, "reason"))
                .register(registry)
                .increment();
    }

    private AtomicInteger clientOpenWebSockets(String service, String route) {
        final WebSocketSeries series = new WebSocketSeries(service, guard.admitOutbound(service, "route", route));
        return clientOpenWebSockets.computeIfAbsent(series, s -> {
            final AtomicInteger open = new AtomicInteger();
            Gauge.builder("mesh.client.websocket.connections.active", open, AtomicInteger::get)
                    .description("Outbound WebSocket connections open now")
                    .tag("service", s.service())
                    .tag("route", s.route())
                    .strongReference(true)
                    .register(registry);
            return open;
        });
    }

    /** An inbound trace header that could not be read; the request went on with a new trace. */
    public void malformedTraceHeader(String header) {
        Counter.builder("mesh.tracing.malformed.headers")
                .description("Inbound trace headers that were malformed and ignored")
                .tag("header", requireNonNull(header, "header"))
                .register(registry)
                .increment();
    }

    /** How many times {@code header} was malformed so far; for tests and the admin view. */
    public double malformedTraceHeaders(String header) {
        final Counter counter = registry.find("mesh.tracing.malformed.headers")
                .tag("header", header)
                .counter();
        return counter != null ? counter.count() : 0;
    }

    /** A request series' timer and the summary cell of its edge, found together once. */
    public record Recorded(Timer timer, EdgeCell cell) {}

    /** An authorization counter of denials that also counts them in the edge's summary. */
    private static final class DenialCounter implements Counter {

        private final Counter counter;
        private final EdgeCell cell;

        DenialCounter(Counter counter, EdgeCell cell) {
            this.counter = counter;
            this.cell = cell;
        }

        @Override
        public void increment(double amount) {
            counter.increment(amount);
            cell.denied();
        }

        @Override
        public double count() {
            return counter.count();
        }

        @Override
        public Id getId() {
            return counter.getId();
        }

        @Override
        public Iterable<Measurement> measure() {
            return counter.measure();
        }
    }

    /**
     * The labels of one request series; on the client side, which has no peer label, {@code peer} holds the caller,
     * which owns the series' edge summary.
     */
    private record RequestSeries(
            String service, String route, HttpMethod method, int status, ResponseClass outcome, String peer) {}

    private record GrpcSeries(String service, String route, String grpcStatus) {}

    private record StreamSeries(String service, String route, String direction) {}

    private record PickSeries(String service, String endpoint) {}

    private record WebSocketSeries(String service, String route) {}

    private record WebSocketMessageSeries(String service, String route, boolean in) {}

    private record AuthzSeries(String service, String route, String peer, boolean allowed) {}
}
