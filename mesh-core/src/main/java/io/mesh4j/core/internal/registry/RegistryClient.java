package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

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

    private final WebClient client;
    private final URI uri;

    private RegistryClient(URI uri, ClientFactory factory, @Nullable String adminToken) {
        this.uri = uri;
        final WebClientBuilder builder = WebClient.builder(uri).factory(factory);
        if (adminToken != null) {
            builder.addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminToken);
        }
        client = builder.build();
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

    public static Builder builder(URI uri) {
        requireNonNull(uri, "uri");
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException(
                    "registry uri: " + uri + " (expected: http:// or https:// with host and port)");
        }
        return new Builder(uri);
    }

    public URI uri() {
        return uri;
    }

    /**
     * Registers or updates an instance; completes with the registry's index after the change.
     */
    public CompletableFuture<Long> register(ServiceName service, InstanceId id, Registration registration) {
        return client.prepare()
                .put(instancePath(service, id))
                .content(MediaType.JSON_UTF_8, RegistryJson.writeRegistration(registration))
                .execute()
                .aggregate()
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /**
     * Renews an instance's TTL. Completes with {@code false} when the registry does not know the instance
     * (it expired, or the registry lost it): the caller must register again.
     */
    public CompletableFuture<Boolean> heartbeat(ServiceName service, InstanceId id) {
        return client.put(instancePath(service, id) + "/heartbeat", new byte[0])
                .aggregate()
                .thenApply(res -> res.status() == HttpStatus.NOT_FOUND
                        ? Boolean.FALSE
                        : expectOk(r -> Boolean.TRUE).apply(res));
    }

    /**
     * Removes an instance, so that watchers stop sending to it. Succeeds also when it was already gone.
     */
    public CompletableFuture<Void> deregister(ServiceName service, InstanceId id) {
        return client.delete(instancePath(service, id))
                .aggregate()
                .thenApply(res -> res.status() == HttpStatus.NOT_FOUND
                        ? null
                        : expectOk(r -> (Void) null).apply(res));
    }

    /**
     * Returns the service's instances now.
     */
    public CompletableFuture<InstancesSnapshot> instances(ServiceName service) {
        return client.get("/v1/services/" + service.value() + "/instances")
                .aggregate()
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
        final HttpResponse response = client.prepare()
                .get(path)
                .responseTimeout(wait.plus(WATCH_SLACK))
                .execute();
        final CompletableFuture<InstancesSnapshot> snapshot = response.aggregate()
                .thenApply(
                        expectOk(res -> RegistryJson.parseSnapshot(res.content().array())));
        // Cancelling the future aborts the held call, so that a closing watcher does not wait out the poll.
        snapshot.whenComplete((unused, cause) -> {
            if (snapshot.isCancelled()) {
                response.abort();
            }
        });
        return snapshot;
    }

    /**
     * Lists every service with its instance count.
     */
    public CompletableFuture<List<ServiceSummary>> services() {
        return client.get("/v1/services")
                .aggregate()
                .thenApply(
                        expectOk(res -> RegistryJson.parseServices(res.content().array())));
    }

    // ---- access policies

    /**
     * Returns the service's access policy now; a null policy means the service has none.
     */
    public CompletableFuture<PolicyJson.PolicySnapshot> policy(ServiceName service) {
        return client.get("/v1/policies/" + service.value())
                .aggregate()
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
        return client.prepare()
                .put(withExpectedIndex("/v1/policies/" + service.value(), expectedIndex))
                .content(MediaType.JSON_UTF_8, PolicyJson.writePolicy(policy))
                .execute()
                .aggregate()
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
        return client.delete(withExpectedIndex("/v1/policies/" + service.value(), expectedIndex))
                .aggregate()
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /** Returns the mesh-wide default policy: what decides a request no rule, annotation or service default does. */
    public CompletableFuture<PolicyJson.DefaultSnapshot> defaultPolicy() {
        return client.get(DEFAULT_POLICY_PATH)
                .aggregate()
                .thenApply(expectOk(
                        res -> PolicyJson.parseDefaultSnapshot(res.content().array())));
    }

    /**
     * Puts the mesh-wide default policy in force (needs the admin token); every member's watch hears it. Completes
     * with what is in force.
     */
    public CompletableFuture<PolicyJson.DefaultSnapshot> putDefaultPolicy(DefaultPolicy defaultPolicy) {
        return client.prepare()
                .put(DEFAULT_POLICY_PATH)
                .content(
                        MediaType.JSON_UTF_8,
                        ("{\"default\":\"" + defaultPolicy.value() + "\"}").getBytes(StandardCharsets.UTF_8))
                .execute()
                .aggregate()
                .thenApply(expectOk(
                        res -> PolicyJson.parseDefaultSnapshot(res.content().array())));
    }

    // ---- route configs

    /** Returns the service's route config now; a null config means the service has none. */
    public CompletableFuture<RouteJson.RoutesSnapshot> routes(ServiceName service) {
        return client.get("/v1/routes/" + service.value())
                .aggregate()
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
        return client.prepare()
                .put(withExpectedIndex("/v1/routes/" + service.value(), expectedIndex))
                .content(MediaType.JSON_UTF_8, RouteJson.write(routes))
                .execute()
                .aggregate()
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
        return client.delete(withExpectedIndex("/v1/routes/" + service.value(), expectedIndex))
                .aggregate()
                .thenApply(expectOk(res -> RegistryJson.parseIndex(res.content().array())));
    }

    /** What the registry answers a document it accepted: its index, and what is worth knowing about it. */
    public record Accepted(long index, List<String> warnings) {}

    private <T> CompletableFuture<T> watchDocument(String path, long index, Duration wait, Function<byte[], T> parser) {
        final HttpResponse response = client.prepare()
                .get(path + "?index=" + index + "&wait=" + WatchParams.formatWait(wait))
                .responseTimeout(wait.plus(WATCH_SLACK))
                .execute();
        final CompletableFuture<T> snapshot = response.aggregate()
                .thenApply(expectOk(res -> parser.apply(res.content().array())));
        // Cancelling the future aborts the held call, so that a closing watcher does not wait out the poll.
        snapshot.whenComplete((unused, cause) -> {
            if (snapshot.isCancelled()) {
                response.abort();
            }
        });
        return snapshot;
    }

    // ---- golden metrics

    /**
     * Sends a member's golden-metric report ({@link MetricsReportJson}) for {@code service}, the member's own.
     */
    public CompletableFuture<Void> reportMetrics(ServiceName service, byte[] report) {
        return client.prepare()
                .post("/v1/services/" + service.value() + "/metrics")
                .content(MediaType.JSON_UTF_8, report)
                .execute()
                .aggregate()
                .thenApply(expectOk(res -> (Void) null));
    }

    /**
     * Reads {@code pathAndQuery}, such as {@code /v1/stats/edges?window=1m}, and answers its JSON body: for the
     * operator's read-only views, whose answers are tables to print more than models to keep.
     */
    public CompletableFuture<byte[]> getJson(String pathAndQuery) {
        return client.get(pathAndQuery)
                .aggregate()
                .thenApply(expectOk(res -> res.content().array()));
    }

    /**
     * Sends {@code PUT pathAndQuery} with the JSON {@code body} and answers the JSON of a 2xx, such as a write checked
     * with {@code ?dryRun=true}; any other status fails the future with a {@link RegistryException}.
     */
    public CompletableFuture<byte[]> putJson(String pathAndQuery, byte[] body) {
        return client.prepare()
                .put(pathAndQuery)
                .content(MediaType.JSON_UTF_8, body)
                .execute()
                .aggregate()
                .thenApply(expectOk(res -> res.content().array()));
    }

    /** The registry's whole answer to {@code GET pathAndQuery}, whatever its status: for a check of its headers. */
    public CompletableFuture<AggregatedHttpResponse> getAnswer(String pathAndQuery) {
        return client.get(pathAndQuery).aggregate();
    }

    // ---- identity

    /**
     * Asks for a certificate: with a join token the first time, as a renewal with the current client certificate
     * (then {@code request.token()} is null).
     */
    public CompletableFuture<IdentityJson.CsrAnswer> requestCertificate(IdentityJson.CsrRequest request) {
        return client.prepare()
                .post("/v1/identity/csr")
                .content(MediaType.JSON_UTF_8, IdentityJson.writeCsrRequest(request))
                .execute()
                .aggregate()
                .thenApply(expectOk(
                        res -> IdentityJson.parseCsrAnswer(res.content().array())));
    }

    /**
     * The roots of the mesh's CA, in PEM.
     */
    public CompletableFuture<String> trustBundle() {
        return client.get("/v1/identity/trust-bundle")
                .aggregate()
                .thenApply(expectOk(AggregatedHttpResponse::contentUtf8));
    }

    /** The mesh's trust state now: the roots in force and the revocations. */
    public CompletableFuture<TrustJson.TrustSnapshot> trust() {
        return client.get("/v1/identity/trust")
                .aggregate()
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
        return client.prepare()
                .post("/v1/admin/revocations")
                .content(MediaType.JSON_UTF_8, TrustJson.writeRevokeRequest(request))
                .execute()
                .aggregate()
                .thenApply(
                        expectOk(res -> TrustJson.parseRevocation(res.content().array())));
    }

    /** The revocations in force, oldest first. */
    public CompletableFuture<List<TrustJson.Revocation>> revocations() {
        return client.get("/v1/admin/revocations")
                .aggregate()
                .thenApply(
                        expectOk(res -> TrustJson.parseRevocations(res.content().array())));
    }

    public CompletableFuture<IdentityJson.TokenInfo> createToken(IdentityJson.TokenRequest request) {
        return client.prepare()
                .post("/v1/admin/tokens")
                .content(MediaType.JSON_UTF_8, IdentityJson.writeTokenRequest(request))
                .execute()
                .aggregate()
                .thenApply(expectOk(res -> IdentityJson.parseToken(res.content().array())));
    }

    public CompletableFuture<List<IdentityJson.TokenInfo>> tokens() {
        return client.get("/v1/admin/tokens")
                .aggregate()
                .thenApply(
                        expectOk(res -> IdentityJson.parseTokens(res.content().array())));
    }

    public CompletableFuture<Void> revokeToken(String id) {
        return client.delete("/v1/admin/tokens/" + id).aggregate().thenApply(expectOk(res -> (Void) null));
    }

    public CompletableFuture<IdentityJson.RotationInfo> rotateCa() {
        return client.post("/v1/admin/ca/rotate", new byte[0])
                .aggregate()
                .thenApply(
                        expectOk(res -> IdentityJson.parseRotation(res.content().array())));
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
        return "RegistryClient(" + uri + ')';
    }

    /** Builds a {@link RegistryClient}. */
    public static final class Builder {

        private final URI uri;
        private ClientFactory factory = ClientFactory.ofDefault();
        private @Nullable String adminToken;

        private Builder(URI uri) {
            this.uri = uri;
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
            return new RegistryClient(uri, factory, adminToken);
        }
    }
}
