package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceBlockingStub;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A mesh gRPC stub is routed as an HTTP call is: a route config's split of a method's calls over subsets, and a
 * per-request override (the {@code mesh-route-override} header, as gRPC metadata) to another service, whose own
 * SPIFFE ID the TLS handshake then checks.
 */
class GrpcRoutingTest extends GrpcTestBase {

    private static final String EMPTY_CALL = "/grpc.testing.TestService/EmptyCall";

    @Test
    void aRouteConfigSplitsAMethodsCallsOverSubsetsAndLeavesTheOtherMethodsAlone() throws Exception {
        final GrpcBackend v1 = GrpcBackend.labelled(identity("orders"), "orders", "orders-v1", Map.of("version", "v1"));
        final GrpcBackend v2 = GrpcBackend.labelled(identity("orders"), "orders", "orders-v2", Map.of("version", "v2"));
        toClose.add(v1);
        toClose.add(v2);
        final MeshClient mesh = mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .balancer(Balancers.roundRobin()));
        connected(mesh, 2);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("empty-call-to-v2")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, EMPTY_CALL), Set.of(), Map.of()))
                .split(List.of(new WeightedSubset(new Subset(Map.of("version", "v2")), 100)), null)
                .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(ORDERS, config).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.routeConfig(ORDERS).equals(config));

        for (int i = 0; i < 10; i++) {
            orders.emptyCall(EMPTY);
        }
        assertThat(v2.hits).hasValue(10);
        assertThat(v1.hits).hasValue(0);

        // UnaryCall matches no rule: both instances serve it.
        for (int i = 0; i < 10; i++) {
            orders.unaryCall(SimpleRequest.getDefaultInstance());
        }
        assertThat(v1.hits.get()).isPositive();
        assertThat(v2.hits.get()).isGreaterThan(10);
    }

    @Test
    void anOverrideInTheCallsMetadataSendsItToAnotherServiceWhoseIdentityTheHandshakeChecks() throws Exception {
        final GrpcBackend orders = backend(identity("orders"), "orders-1");
        final GrpcBackend canary = GrpcBackend.start(identity("orders-canary"), "orders-canary", "canary-1");
        toClose.add(canary);
        final MeshClient mesh = mesh();
        connected(mesh, 1);
        final TestServiceBlockingStub stub = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        final Metadata override = new Metadata();
        override.put(Metadata.Key.of(RouteOverride.HEADER, Metadata.ASCII_STRING_MARSHALLER), "orders=>orders-canary");
        final TestServiceBlockingStub steered =
                stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(override));
        for (int i = 0; i < 5; i++) {
            steered.emptyCall(EMPTY);
        }
        assertThat(canary.hits).hasValue(5);
        assertThat(orders.hits).hasValue(0);
        assertThat(mesh.endpoints(ServiceName.of("orders-canary"))).hasSize(1);

        stub.emptyCall(EMPTY);
        assertThat(orders.hits).hasValue(1);
        assertThat(canary.hits).hasValue(5);
    }
}
