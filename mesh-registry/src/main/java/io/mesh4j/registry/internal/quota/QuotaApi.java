package io.mesh4j.registry.internal.quota;

import static java.util.Objects.requireNonNull;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.documents.DocumentStore;

/**
 * The quota calls: {@code POST /v1/services/{service}/quota-leases}, where a serving instance reports its demand
 * and gets its shares, and {@code GET /v1/quotas}, the operator's view. Who may call them is the caller's
 * business ({@code RegistryApi} guards the lease call as the instance calls: only the service's own workloads).
 */
public final class QuotaApi {

    /** The path of the lease call. */
    public static final String LEASES = "/v1/services/{service}/quota-leases";

    /** The path of the operator's view. */
    public static final String LIST = QuotaJson.LIST_PATH;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final QuotaLeases leases;
    private final DocumentStore<RouteConfig> routes;
    private final ToIntFunction<ServiceName> instanceCount;

    public QuotaApi(QuotaLeases leases, DocumentStore<RouteConfig> routes, ToIntFunction<ServiceName> instanceCount) {
        this.leases = requireNonNull(leases, "leases");
        this.routes = requireNonNull(routes, "routes");
        this.instanceCount = requireNonNull(instanceCount, "instanceCount");
    }

    public QuotaLeases leases() {
        return leases;
    }

    /** The lease call; the path's service is checked by the caller's guard, the body here. */
    public HttpService lease() {
        // Off the event loop: with replicas, a lease is a write and a read in etcd.
        return (ctx, req) -> HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final String name = requireNonNull(ctx.pathParam("service"), "service");
                            final ServiceName service;
                            try {
                                service = ServiceName.of(name);
                            } catch (IllegalArgumentException e) {
                                throw new InvalidInputException(ErrorCode.INVALID_NAME, String.valueOf(e.getMessage()));
                            }
                            final QuotaJson.LeaseRequest request =
                                    QuotaJson.parseRequest(body.content().array());
                            final QuotaJson.LeaseAnswer answer = leases.lease(
                                    service,
                                    routes.get(service).document(),
                                    request,
                                    instanceCount.applyAsInt(service));
                            return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, QuotaJson.writeAnswer(answer));
                        },
                        ctx.blockingTaskExecutor()));
    }

    /** The operator's view: every quota held, with its holders, shares, demand and refusals. */
    public HttpService list() {
        return (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(
                () -> {
                    final ObjectNode root = MAPPER.createObjectNode();
                    final ArrayNode quotas = root.putArray("quotas");
                    for (QuotaLeases.QuotaView view :
                            leases.view(service -> routes.get(service).document())) {
                        final ObjectNode quota = quotas.addObject()
                                .put("service", view.service().value())
                                .put("name", view.spec().name());
                        if (view.spec().rule() != null) {
                            quota.put("rule", view.spec().rule());
                        }
                        if (view.spec().caller() != null) {
                            quota.put("caller", view.spec().caller().value());
                        }
                        quota.put("requests", view.spec().requests())
                                .put("per", RouteJson.formatDuration(view.spec().per()))
                                .put("perSecond", view.spec().perSecond())
                                .put(
                                        "demand",
                                        view.holders().stream()
                                                .mapToDouble(QuotaLeases.HolderView::demand)
                                                .sum())
                                .put("refusals", view.refusals())
                                .put("source", view.fromConfig() ? "route-config" : "annotation");
                        if (!view.declared().isEmpty()) {
                            final ArrayNode declared = quota.putArray("declared");
                            view.declared().forEach(declared::add);
                            if (view.fromConfig()) {
                                quota.put(
                                        "note",
                                        "the route config's quota replaces the size its instances declare ("
                                                + String.join(", ", view.declared()) + ')');
                            } else if (view.declared().size() > 1) {
                                quota.put(
                                        "note",
                                        "its instances declare different sizes (" + String.join(", ", view.declared())
                                                + "): the smallest is divided; give them one, or set it in the route "
                                                + "config");
                            }
                        }
                        final ArrayNode holders = quota.putArray("holders");
                        for (QuotaLeases.HolderView holder : view.holders()) {
                            holders.addObject()
                                    .put("instance", holder.instance().value())
                                    .put("share", holder.share())
                                    .put("demand", holder.demand())
                                    .put("expiresInMillis", holder.expiresInMillis());
                        }
                    }
                    try {
                        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, MAPPER.writeValueAsBytes(root));
                    } catch (JsonProcessingException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                ctx.blockingTaskExecutor()));
    }
}
