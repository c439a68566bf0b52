package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.RouteConfig;

/**
 * Speaks the registry's contract (DESIGN.md, "The registry contract"). Every call is asynchronous; an error
 * answer completes the future with a {@link RegistryException}, an unreachable registry with the transport's
 * exception. It has no retry of its own: the callers (registration, watches) each back off in their own way.
 */
public final class RegistryClient {

    /** The header that carries a watch answer's index. */
    public static final String INDEX_HEADER = "X-Mesh-Index";

    /** The mesh-wide default policy's path: {@code GET} reads it, {@code PUT} (admin) changes it. */
    public static final String DEFAULT_POLICY_PATH = "/v1/default-policy";

    /**
     * The expected index of a write that replaces whatever is in force, as a write without an expected index
     * always did.
     */
    public static final long ANY_INDEX = -1;

    /** How much longer than the {@code wait} the client waits for a watch answer before giving up on it. */
    private static final Duration WATCH_SLACK = Duration.ofSeconds(10);

    private final List<URI> uris;
    /** Made at once, or on the thread that builds the client factory: calls made before wait for it. */
    private final CompletableFuture<RegistryAddresses> addresses;

    private RegistryClient(List<URI> uris, CompletableFuture<RegistryAddresses> addresses) {
        this.uris = uris;
        this.addresses = addresses;
    }

    /**
     * A client of the registry at {@code uri}, such as {@code http://127.0.0.1:7070}, on Armeria's default
     * client factory.
     */
    public static RegistryClient of(URI uri) {
        return builder(uri).build();
    }

    /**
     * A client whose connections come from {@code factory}: for a TLS registry, one that presents the workload's
     * certificate and verifies the registry's (see {@code WorkloadIdentity}).
     */
    public static RegistryClient of(URI uri, ClientFactory factory) {
        return builder(uri).factory(factory).build();
    }

    /**
     * A client of the registry replicas at {@code uris}, all serving one mesh (replicas over one etcd): a call goes
     * to one of them and moves on to the next when it fails (see {@link RegistryAddresses}).
     */
    public static RegistryClient of(List<URI> uris, ClientFactory factory) {
        return builder(uris).factory(factory).build();
    }

    /**
     * A client of the registry replicas at {@code uris} whose connections come from {@code factory} once it is
     * built: a workload's, which its identity builds on a thread of its own while the workload goes on starting
     * (Armeria's client side takes about a second to set up, cold). Its WebClients are made on the thread that
     * completes {@code factory}; a call made before waits for them, and fails as {@code factory} did if it failed.
     */
    public static RegistryClient of(List<URI> uris, CompletableFuture<ClientFactory> factory) {
        final List<URI> checked = checkUris(uris);
        return new RegistryClient(
                checked,
                factory.thenApply(made -> new RegistryAddresses(
                        checked, made, null, CommonPools.workerGroup(), RegistryAddresses.defaultBackoff())));
    }

    public static Builder builder(URI uri) {
        return builder(List.of(requireNonNull(uri, "uri")));
    }

    /**
     * A builder of a client of the registry replicas at {@code uris}, tried in this order.
     *
     * @throws IllegalArgumentException if {@code uris} is empty, repeats an address, or holds one that is not
     *     {@code http://} or {@code https://}
     */
    public static Builder builder(List<URI> uris) {
        return new Builder(checkUris(uris));
    }

    /**
     * Checks a list of registry addresses as every builder that takes one does: at least one, each {@code http://}
     * or {@code https://} with a host, none twice.
     *
     * @return the list, copied
     */
    public static List<URI> checkUris(List<URI> uris) {
        requireNonNull(uris, "uris");
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("registry uris: [] (expected: at least one)");
        }
        for (URI uri : uris) {
            requireNonNull(uri, "uris contains null");
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException(
                        "registry uri: " + uri + " (expected: http:// or https:// with host and port)");
            }
        }
        if (uris.stream().distinct().count() != uris.size()) {
            throw new IllegalArgumentException("registry uris: " + uris + " (expected: each address once)");
        }
        return List.copyOf(uris);
    }

    /** The replica calls go to now: the first given, until it fails. */
    public URI uri() {
        final @Nullable RegistryAddresses made = made();
        return made != null ? made.current() : uris.get(0);
    }

    /** Every replica this client may call, in the order given. */
    public List<URI> uris() {
        return uris;
    }

    /** How many times a call moved on from a replica that failed to the next one, since this client was made. */
    public long failovers() {
        final @Nullable RegistryAddresses made = made();
        return made != null ? made.failovers() : 0;
    }

    /**
     * Registers or updates an instance; completes with the registry's index after the change.
     */
    public CompletableFuture<Long> register(ServiceName service, InstanceId id, Registration registration) {
        return send(
                        c -> c.prepare()
                                .put(instancePath(service, id))
                                .content(MediaType.JSON_UTF_8, RegistryJson.writeRegistration(registration))
                                .execute(),
                        false)
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /**
     * Renews an instance's TTL. Completes with {@code false} when the registry does not know the instance
     * (it expired, or the registry lost it): the caller must register again.
     */
    public CompletableFuture<Boolean> heartbeat(ServiceName service, InstanceId id) {
        return send(c -> c.put(instancePath(service, id) + "/heartbeat", new byte[0]), false)
                .thenApply(res -> res.status() == HttpStatus.NOT_FOUND
                        ? Boolean.FALSE
                        : expectOk(r -> Boolean.TRUE).apply(res));
    }

    /**
     * Removes an instance, so that watchers stop sending to it. Succeeds also when it was already gone.
     */
    public CompletableFuture<Void> deregister(ServiceName service, InstanceId id) {
        return send(c -> c.delete(instancePath(service, id)), false)
                .thenApply(res -> res.status() == HttpStatus.NOT_FOUND
                        ? null
                        : expectOk(r -> (Void) null).apply(res));
    }

    /**
     * Returns the service's instances now.
     */
    public CompletableFuture<InstancesSnapshot> instances(ServiceName service) {
        return send(c -> c.get("/v1/services/" + service.value() + "/instances"), true)
                .thenApply(
                        expectOk(res -> RegistryJson.parseSnapshot(res.content().array())));
    }

    /**
     * Returns the service's instances once its index differs from {@code index}, or after {@code wait} with
     * what it has then. A watch from 0 on a service nobody registered yet returns at its first registration.
     * Cancelling the returned future aborts the call.
     */
    public CompletableFuture<InstancesSnapshot> watch(ServiceName service, long index, Duration wait) {
        final String path = "/v1/services/" + service.value() + "/instances?index=" + index + "&wait="
                + WatchParams.formatWait(wait);
        return watchPath(
                path, wait, res -> RegistryJson.parseSnapshot(res.content().array()));
    }

    /**
     * As {@link #watch}, answering only what changed since {@code index} (an incremental watch,
     * {@code changes=true}): the instances added or changed and the ids removed, or the whole list, marked
     * {@linkplain InstancesChanges#full() full}, when the registry's history does not reach back to {@code index}.
     * Cancelling the returned future aborts the call.
     */
    public CompletableFuture<InstancesChanges> watchChanges(ServiceName service, long index, Duration wait) {
        final String path = "/v1/services/" + service.value() + "/instances?index=" + index + "&wait="
                + WatchParams.formatWait(wait) + "&changes=true";
        return watchPath(
                path, wait, res -> RegistryJson.parseChanges(res.content().array()));
    }

    /**
     * A watch stream ({@code changes=true&stream=true}) of {@code service} from {@code index}, on the replica calls
     * go to now: every change from then on is handed to {@code onChanges} as it happens, in order, each what changed
     * since the one before (or the whole list, marked {@linkplain InstancesChanges#full() full}, when the registry's
     * history does not reach back to {@code index}). The registry writes a heartbeat after {@code heartbeat} without
     * a change; a stream silent for two heartbeats and a margin is given up on.
     *
     * <p>It does not move to another replica itself: the returned future ends the stream, and the caller watches
     * again (a long poll fails over as every call does) from the last index it applied. It completes with
     * {@code null} when the registry ended the stream, or with a long poll's answer (the changes since
     * {@code index}) when the registry does not offer streams; exceptionally when the replica is stale
     * ({@code X-Mesh-Stale}), silent, unreachable or answers an error. Cancelling it aborts the stream.
     */
    public CompletableFuture<@Nullable InstancesChanges> streamChanges(
            ServiceName service, long index, Duration heartbeat, Consumer<InstancesChanges> onChanges) {
        final String path = "/v1/services/" + service.value() + "/instances?index=" + index + "&wait="
                + WatchParams.formatWait(heartbeat) + "&changes=true&stream=true";
        final HttpResponse response = stream(c -> c.prepare()
                .get(path)
                // Open as long as both sides live: no response timeout, and no limit on what it carries in all.
                .responseTimeout(Duration.ZERO)
                .maxResponseLength(0)
                .execute());
        return ChangeStream.read(response, heartbeat, onChanges, CommonPools.workerGroup());
    }

    /**
     * Lists every service with its instance count.
     */
    public CompletableFuture<List<ServiceSummary>> services() {
        return send(c -> c.get("/v1/services"), true)
                .thenApply(
                        expectOk(res -> RegistryJson.parseServices(res.content().array())));
    }

    // ---- access policies

    /**
     * Returns the service's access policy now; a null policy means the service has none.
     */
    public CompletableFuture<PolicyJson.PolicySnapshot> policy(ServiceName service) {
        return send(c -> c.get("/v1/policies/" + service.value()), true)
                .thenApply(
                        expectOk(res -> PolicyJson.parseSnapshot(res.content().array())));
    }

    /**
     * Returns the service's access policy once its index differs from {@code index}, or after {@code wait}; a
     * null policy means the service has none. Cancelling the returned future aborts the call.
     */
    public CompletableFuture<PolicyJson.PolicySnapshot> watchPolicy(ServiceName service, long index, Duration wait) {
        return watchDocument("/v1/policies/" + service.value(), index, wait, PolicyJson::parseSnapshot);
    }

    /** Puts the service's access policy in force (needs the admin token); completes with the new index. */
    public CompletableFuture<Long> putPolicy(ServiceName service, AccessPolicy policy) {
        return putPolicy(service, policy, ANY_INDEX);
    }

    /**
     * Puts the service's access policy in force (needs the admin token) if its index is still
     * {@code expectedIndex}, the index of the read the policy was made from; completes with the new index. If the
     * policy changed since, the registry writes nothing and the future fails with a {@link RegistryException} of
     * status 409 ({@link RegistryException#isConflict()}).
     */
    public CompletableFuture<Long> putPolicy(ServiceName service, AccessPolicy policy, long expectedIndex) {
        return send(
                        c -> c.prepare()
                                .put(withExpectedIndex("/v1/policies/" + service.value(), expectedIndex))
                                .content(MediaType.JSON_UTF_8, PolicyJson.writePolicy(policy))
                                .execute(),
                        false)
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /** Removes the service's access policy (needs the admin token): its annotations apply again. */
    public CompletableFuture<Long> deletePolicy(ServiceName service) {
        return deletePolicy(service, ANY_INDEX);
    }

    /**
     * Removes the service's access policy (needs the admin token) if its index is still {@code expectedIndex};
     * fails with a conflict ({@link RegistryException#isConflict()}) if it changed since.
     */
    public CompletableFuture<Long> deletePolicy(ServiceName service, long expectedIndex) {
        return send(c -> c.delete(withExpectedIndex("/v1/policies/" + service.value(), expectedIndex)), false)
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /** Returns the mesh-wide default policy: what decides a request no rule, annotation or service default does. */
    public CompletableFuture<PolicyJson.DefaultSnapshot> defaultPolicy() {
        return send(c -> c.get(DEFAULT_POLICY_PATH), true)
                .thenApply(expectOk(
                        res -> PolicyJson.parseDefaultSnapshot(res.content().array())));
    }

    /**
     * Puts the mesh-wide default policy in force (needs the admin token); every member's watch hears it. Completes
     * with what is in force.
     */
    public CompletableFuture<PolicyJson.DefaultSnapshot> putDefaultPolicy(DefaultPolicy defaultPolicy) {
        final byte[] body = ("{\"default\":\"" + defaultPolicy.value() + "\"}").getBytes(StandardCharsets.UTF_8);
        return send(
                        c -> c.prepare()
                                .put(DEFAULT_POLICY_PATH)
                                .content(MediaType.JSON_UTF_8, body)
                                .execute(),
                        false)
                .thenApply(expectOk(
                        res -> PolicyJson.parseDefaultSnapshot(res.content().array())));
    }

    // ---- route configs

    /** Returns the service's route config now; a null config means the service has none. */
    public CompletableFuture<RouteJson.RoutesSnapshot> routes(ServiceName service) {
        return send(c -> c.get("/v1/routes/" + service.value()), true)
                .thenApply(expectOk(res -> RouteJson.parseSnapshot(res.content().array())));
    }

    /**
     * Returns the service's route config once its index differs from {@code index}, or after {@code wait}.
     * Cancelling the returned future aborts the call.
     */
    public CompletableFuture<RouteJson.RoutesSnapshot> watchRoutes(ServiceName service, long index, Duration wait) {
        return watchDocument("/v1/routes/" + service.value(), index, wait, RouteJson::parseSnapshot);
    }

    /**
     * Puts the service's route config in force (needs the admin token); completes with the new index and what the
     * registry warns of (a subset with no instance now, say).
     */
    public CompletableFuture<Accepted> putRoutes(ServiceName service, RouteConfig routes) {
        return putRoutes(service, routes, ANY_INDEX);
    }

    /**
     * Puts the service's route config in force (needs the admin token) if its index is still
     * {@code expectedIndex}, the index of the read the config was made from (0 for a service that never had one);
     * completes with the new index and the registry's warnings. If the config changed since, the registry writes
     * nothing and the future fails with a {@link RegistryException} of status 409
     * ({@link RegistryException#isConflict()}): read it again and redo the change on what is in force.
     */
    public CompletableFuture<Accepted> putRoutes(ServiceName service, RouteConfig routes, long expectedIndex) {
        return send(
                        c -> c.prepare()
                                .put(withExpectedIndex("/v1/routes/" + service.value(), expectedIndex))
                                .content(MediaType.JSON_UTF_8, RouteJson.write(routes))
                                .execute(),
                        false)
                .thenApply(
                        expectOk(res -> RegistryJson.parseAccepted(res.content().array())));
    }

    /** Removes the service's route config (needs the admin token); calls follow the defaults again. */
    public CompletableFuture<Long> deleteRoutes(ServiceName service) {
        return deleteRoutes(service, ANY_INDEX);
    }

    /**
     * Removes the service's route config (needs the admin token) if its index is still {@code expectedIndex};
     * fails with a conflict ({@link RegistryException#isConflict()}) if it changed since.
     */
    public CompletableFuture<Long> deleteRoutes(ServiceName service, long expectedIndex) {
        return send(c -> c.delete(withExpectedIndex("/v1/routes/" + service.value(), expectedIndex)), false)
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /** What the registry answers a document it accepted: its index, and what is worth knowing about it. */
    public record Accepted(long index, List<String> warnings) {}

    private <T> CompletableFuture<T> watchDocument(String path, long index, Duration wait, Function<byte[], T> parser) {
        return watchPath(
                path + "?index=" + index + "&wait=" + WatchParams.formatWait(wait),
                wait,
                res -> parser.apply(res.content().array()));
    }

    /**
     * A long poll of {@code pathAndQuery}. On another replica it is sent again as it is, index included: indexes
     * are the same on every replica, so it resumes where it was. Cancelling the future aborts the held call, so
     * that a closing watcher does not wait out the poll.
     */
    private <T> CompletableFuture<T> watchPath(
            String pathAndQuery, Duration wait, Function<AggregatedHttpResponse, T> read) {
        final CompletableFuture<AggregatedHttpResponse> answer = send(
                c -> c.prepare()
                        .get(pathAndQuery)
                        .responseTimeout(wait.plus(WATCH_SLACK))
                        .execute(),
                true);
        final CompletableFuture<T> snapshot = answer.thenApply(expectOk(read));
        snapshot.whenComplete((unused, cause) -> {
            if (snapshot.isCancelled()) {
                answer.cancel(false);
            }
        });
        return snapshot;
    }

    private CompletableFuture<AggregatedHttpResponse> send(Function<WebClient, HttpResponse> request, boolean read) {
        final @Nullable RegistryAddresses made = made();
        if (made != null) {
            return made.send(request, read);
        }
        // Not made yet (a workload's first calls, while its client factory is built): sent once it is. Cancelling
        // the answer aborts the call as it does once made, or keeps it from being sent.
        final CompletableFuture<AggregatedHttpResponse> answer = new CompletableFuture<>();
        addresses.whenComplete((ready, cause) -> {
            if (cause != null) {
                answer.completeExceptionally(Exceptions.peel(cause));
                return;
            }
            if (answer.isDone()) {
                return;
            }
            final CompletableFuture<AggregatedHttpResponse> sent = ready.send(request, read);
            sent.whenComplete((response, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else {
                    answer.complete(response);
                }
            });
            answer.whenComplete((unused, failure) -> {
                if (answer.isCancelled()) {
                    sent.cancel(false);
                }
            });
        });
        return answer;
    }

    private HttpResponse stream(Function<WebClient, HttpResponse> request) {
        final @Nullable RegistryAddresses made = made();
        return made != null
                ? made.stream(request)
                : HttpResponse.of(addresses.thenApply(ready -> ready.stream(request)));
    }

    /** The replicas' WebClients, if made. */
    private @Nullable RegistryAddresses made() {
        return addresses.isDone() && !addresses.isCompletedExceptionally() ? addresses.join() : null;
    }

    // ---- golden metrics

    /**
     * Sends a member's golden-metric report ({@link MetricsReportJson}) for {@code service}, the member's own.
     */
    public CompletableFuture<Void> reportMetrics(ServiceName service, byte[] report) {
        return send(
                        c -> c.prepare()
                                .post("/v1/services/" + service.value() + "/metrics")
                                .content(MediaType.JSON_UTF_8, report)
                                .execute(),
                        false)
                .thenApply(expectOk(res -> (Void) null));
    }

    // ---- tap

    /**
     * Watches the taps open for {@code service}, the member's own ({@link TapJson}): answers at once when they
     * changed since {@code index}, else when they change or {@code wait} ends.
     */
    public CompletableFuture<TapJson.Sessions> watchTaps(ServiceName service, long index, Duration wait) {
        return watchDocument(TapJson.sessionsPath(service.value()), index, wait, TapJson::parseSessions);
    }

    /** Sends a member's tapped records ({@link TapJson#writeRecords}) of {@code service}, its own. */
    public CompletableFuture<Void> sendTapRecords(ServiceName service, byte[] records) {
        return send(
                        c -> c.prepare()
                                .post(TapJson.recordsPath(service.value()))
                                .content(MediaType.JSON_UTF_8, records)
                                .execute(),
                        false)
                .thenApply(expectOk(res -> (Void) null));
    }

    /**
     * Opens a tap: {@code GET pathAndQuery} on the current replica, answered as it streams (one JSON object per
     * line) with no response timeout and no length limit; abort the answer to close the tap.
     */
    public HttpResponse openTap(String pathAndQuery) {
        return stream(c -> c.prepare()
                .get(pathAndQuery)
                .responseTimeoutMillis(0)
                .maxResponseLength(0)
                .execute());
    }

    /**
     * Asks for the service's quota leases ({@link QuotaJson}) for one of its instances; answers the lease answer.
     */
    public CompletableFuture<QuotaJson.LeaseAnswer> quotaLeases(ServiceName service, QuotaJson.LeaseRequest request) {
        return send(
                        c -> c.prepare()
                                .post(QuotaJson.leasesPath(service.value()))
                                .content(MediaType.JSON_UTF_8, QuotaJson.writeRequest(request))
                                .execute(),
                        false)
                .thenApply(expectOk(res -> QuotaJson.parseAnswer(res.content().array())));
    }

    /**
     * Reads {@code pathAndQuery}, such as {@code /v1/stats/edges?window=1m}, and answers its JSON body: for the
     * operator's read-only views, whose answers are tables to print more than models to keep.
     */
    public CompletableFuture<byte[]> getJson(String pathAndQuery) {
        return send(c -> c.get(pathAndQuery), true)
                .thenApply(expectOk(res -> res.content().array()));
    }

    /**
     * Sends {@code PUT pathAndQuery} with the JSON {@code body} and answers the JSON of a 2xx, such as a write checked
     * with {@code ?dryRun=true}; any other status fails the future with a {@link RegistryException}.
     */
    public CompletableFuture<byte[]> putJson(String pathAndQuery, byte[] body) {
        return send(
                        c -> c.prepare()
                                .put(pathAndQuery)
                                .content(MediaType.JSON_UTF_8, body)
                                .execute(),
                        false)
                .thenApply(expectOk(res -> res.content().array()));
    }

    /** The registry's whole answer to {@code GET pathAndQuery}, whatever its status: for a check of its headers. */
    public CompletableFuture<AggregatedHttpResponse> getAnswer(String pathAndQuery) {
        return send(c -> c.get(pathAndQuery), true);
    }

    // ---- identity

    /**
     * Asks for a certificate: with a join token the first time, as a renewal with the current client certificate
     * (then {@code request.token()} is null).
     */
    public CompletableFuture<IdentityJson.CsrAnswer> requestCertificate(IdentityJson.CsrRequest request) {
        return send(
                        c -> c.prepare()
                                .post("/v1/identity/csr")
                                .content(MediaType.JSON_UTF_8, IdentityJson.writeCsrRequest(request))
                                .execute(),
                        false)
                .thenApply(expectOk(
                        res -> IdentityJson.parseCsrAnswer(res.content().array())));
    }

    /**
     * The roots of the mesh's CA, in PEM.
     */
    public CompletableFuture<String> trustBundle() {
        return send(c -> c.get("/v1/identity/trust-bundle"), true)
                .thenApply(expectOk(AggregatedHttpResponse::contentUtf8));
    }

    /** The mesh's trust state now: the roots in force and the revocations. */
    public CompletableFuture<TrustJson.TrustSnapshot> trust() {
        return send(c -> c.get("/v1/identity/trust"), true)
                .thenApply(expectOk(res -> TrustJson.parseSnapshot(res.content().array())));
    }

    /**
     * The mesh's trust state once its index differs from {@code index}, or after {@code wait}. Cancelling the
     * returned future aborts the call.
     */
    public CompletableFuture<TrustJson.TrustSnapshot> watchTrust(long index, Duration wait) {
        return watchDocument("/v1/identity/trust", index, wait, TrustJson::parseSnapshot);
    }

    // ---- admin (needs the admin token)

    /** Revokes a certificate (by serial) or an identity's certificates (by SPIFFE ID); answers the revocation. */
    public CompletableFuture<TrustJson.Revocation> revoke(TrustJson.RevokeRequest request) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/revocations")
                                .content(MediaType.JSON_UTF_8, TrustJson.writeRevokeRequest(request))
                                .execute(),
                        false)
                .thenApply(
                        expectOk(res -> TrustJson.parseRevocation(res.content().array())));
    }

    /**
     * What {@link #revoke} would answer now, checked as the revocation would be (a {@link RegistryException} 404 for
     * nothing in force to revoke), with nothing revoked.
     */
    public CompletableFuture<TrustJson.Revocation> planRevocation(TrustJson.RevokeRequest request) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/revocations?dryRun=true")
                                .content(MediaType.JSON_UTF_8, TrustJson.writeRevokeRequest(request))
                                .execute(),
                        false)
                .thenApply(
                        expectOk(res -> TrustJson.parseRevocation(res.content().array())));
    }

    /** The revocations in force, oldest first. */
    public CompletableFuture<List<TrustJson.Revocation>> revocations() {
        return send(c -> c.get("/v1/admin/revocations"), true)
                .thenApply(
                        expectOk(res -> TrustJson.parseRevocations(res.content().array())));
    }

    public CompletableFuture<IdentityJson.TokenInfo> createToken(IdentityJson.TokenRequest request) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/tokens")
                                .content(MediaType.JSON_UTF_8, IdentityJson.writeTokenRequest(request))
                                .execute(),
                        false)
                .thenApply(expectOk(res -> IdentityJson.parseToken(res.content().array())));
    }

    public CompletableFuture<List<IdentityJson.TokenInfo>> tokens() {
        return send(c -> c.get("/v1/admin/tokens"), true)
                .thenApply(
                        expectOk(res -> IdentityJson.parseTokens(res.content().array())));
    }

    public CompletableFuture<Void> revokeToken(String id) {
        return send(c -> c.delete("/v1/admin/tokens/" + id), false).thenApply(expectOk(res -> (Void) null));
    }

    public CompletableFuture<IdentityJson.ViewerTokenInfo> createViewerToken(IdentityJson.ViewerTokenRequest request) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/viewer-tokens")
                                .content(MediaType.JSON_UTF_8, IdentityJson.writeViewerTokenRequest(request))
                                .execute(),
                        false)
                .thenApply(expectOk(
                        res -> IdentityJson.parseViewerToken(res.content().array())));
    }

    public CompletableFuture<List<IdentityJson.ViewerTokenInfo>> viewerTokens() {
        return send(c -> c.get("/v1/admin/viewer-tokens"), true)
                .thenApply(expectOk(
                        res -> IdentityJson.parseViewerTokens(res.content().array())));
    }

    public CompletableFuture<Void> revokeViewerToken(String id) {
        return send(c -> c.delete("/v1/admin/viewer-tokens/" + id), false).thenApply(expectOk(res -> (Void) null));
    }

    /** What {@link #rotateCa()} would answer now, checked as the rotation would be, with nothing rotated. */
    public CompletableFuture<IdentityJson.RotationInfo> planCaRotation() {
        return planCaRotation(null);
    }

    public CompletableFuture<IdentityJson.RotationInfo> rotateCa() {
        return rotateCa(null);
    }

    /**
     * As {@link #rotateCa(String)}, checked and answered as the rotation would be, with nothing rotated.
     *
     * @param certificatePem the new root, for registry replicas; null for one registry, which makes its own
     */
    public CompletableFuture<IdentityJson.RotationInfo> planCaRotation(@Nullable String certificatePem) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/ca/rotate?dryRun=true")
                                .content(MediaType.JSON_UTF_8, rotateBody(certificatePem))
                                .execute(),
                        false)
                .thenApply(
                        expectOk(res -> IdentityJson.parseRotation(res.content().array())));
    }

    /**
     * Starts a CA rotation.
     *
     * @param certificatePem the new root, installed on every replica (registry replicas); null for one registry,
     *     which makes its own
     */
    public CompletableFuture<IdentityJson.RotationInfo> rotateCa(@Nullable String certificatePem) {
        return send(
                        c -> c.prepare()
                                .post("/v1/admin/ca/rotate")
                                .content(MediaType.JSON_UTF_8, rotateBody(certificatePem))
                                .execute(),
                        false)
                .thenApply(
                        expectOk(res -> IdentityJson.parseRotation(res.content().array())));
    }

    private static byte[] rotateBody(@Nullable String certificatePem) {
        return certificatePem == null ? new byte[0] : IdentityJson.writeRotateRequest(certificatePem);
    }

    private static String withExpectedIndex(String path, long expectedIndex) {
        if (expectedIndex == ANY_INDEX) {
            return path;
        }
        if (expectedIndex < 0) {
            throw new IllegalArgumentException(
                    "expectedIndex: " + expectedIndex + " (expected: >= 0, or ANY_INDEX to write unconditionally)");
        }
        return path + "?index=" + expectedIndex;
    }

    private static String instancePath(ServiceName service, InstanceId id) {
        // Both names are validated to characters that need no escaping in a path.
        return "/v1/services/" + service.value() + "/instances/" + id.value();
    }

    private static <T> Function<AggregatedHttpResponse, T> expectOk(Function<AggregatedHttpResponse, T> read) {
        return res -> {
            if (!res.status().isSuccess()) {
                throw new RegistryException(
                        res.status().code(),
                        RegistryJson.parseError(
                                res.status().code(), res.content().array()));
            }
            return read.apply(res);
        };
    }

    @Override
    public String toString() {
        final @Nullable RegistryAddresses made = made();
        return "RegistryClient(" + (made != null ? made : uris.size() == 1 ? uris.get(0) : uris) + ')';
    }

    /** Builds a {@link RegistryClient}. */
    public static final class Builder {

        private final List<URI> uris;
        private ClientFactory factory = ClientFactory.ofDefault();
        private @Nullable String adminToken;

        private Builder(List<URI> uris) {
            this.uris = uris;
        }

        public Builder factory(ClientFactory factory) {
            this.factory = requireNonNull(factory, "factory");
            return this;
        }

        /**
         * The registry's admin token (in {@code <data-dir>/admin.token}), for the admin calls and for reads
         * without a mesh certificate.
         */
        public Builder adminToken(String adminToken) {
            this.adminToken = requireNonNull(adminToken, "adminToken").strip();
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(
                    uris,
                    CompletableFuture.completedFuture(new RegistryAddresses(
                            uris, factory, adminToken, CommonPools.workerGroup(), RegistryAddresses.defaultBackoff())));
        }
    }
}
