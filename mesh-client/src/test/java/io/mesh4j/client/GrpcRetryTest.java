package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceBlockingStub;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.routing.HedgeSpec;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RetrySpec.RetryOn;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A gRPC call's retries: by its status, within the service's retry budget, for unary methods only.
 */
class GrpcRetryTest extends GrpcTestBase {

    /** Breakers that never eject in these tests, so that every call meets the failing instance in turn. */
    private static final BreakerConfig NEVER_EJECTS = BreakerConfig.builder()
            .consecutiveFailures(1000)
            .slidingWindow(1000, 1000)
            .build();

    private MeshClient roundRobin(RetryConfig retry) {
        return mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .balancer(Balancers.roundRobin())
                .policy(
                        "orders",
                        ClientPolicy.builder()
                                .retry(retry)
                                .breaker(NEVER_EJECTS)
                                .build()));
    }

    private GrpcBackend failing(String id, Status status) throws Exception {
        final GrpcBackend backend = GrpcBackend.failing(identity("orders"), "orders", id, status);
        toClose.add(backend);
        return backend;
    }

    @Test
    void aUnaryCallAnsweredUnavailableIsRetriedOnTheOtherInstance() throws Exception {
        final GrpcBackend good = backend(identity("orders"), "orders-good");
        final GrpcBackend unavailable = failing("orders-bad", Status.UNAVAILABLE);
        final MeshClient mesh = roundRobin(RetryConfig.ofDefaults());
        connected(mesh, 2);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        for (int i = 0; i < 10; i++) {
            assertThat(orders.emptyCall(EMPTY)).isEqualTo(EMPTY);
        }

        // Every call that met the failing instance (round robin's picks alternate, and a retry takes the next
        // pick, so nearly every call does) was retried on the other, which served each call once.
        assertThat(good.hits).hasValue(10);
        assertThat(unavailable.hits.get()).isBetween(5, 10);
    }

    @Test
    void theRetriesComeFromTheServicesRetryBudget() throws Exception {
        backend(identity("orders"), "orders-good");
        final GrpcBackend unavailable = failing("orders-bad", Status.UNAVAILABLE);
        // A budget of no retries at all.
        final MeshClient mesh = roundRobin(
                RetryConfig.builder().budget(0, 0, Duration.ofSeconds(10)).build());
        connected(mesh, 2);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        int failed = 0;
        for (int i = 0; i < 10; i++) {
            try {
                orders.emptyCall(EMPTY);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                failed++;
            }
        }

        // Every call that met the failing instance failed with its answer, none retried.
        assertThat(failed).isEqualTo(unavailable.hits.get()).isBetween(4, 6);
    }

    @Test
    void aStreamingCallGoesAsOneAttempt() throws Exception {
        final GrpcBackend unavailable = failing("orders-bad", Status.UNAVAILABLE);
        final MeshClient mesh = roundRobin(RetryConfig.ofDefaults());
        connected(mesh, 1);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        assertThatThrownBy(() -> orders.streamingOutputCall(StreamingOutputCallRequest.newBuilder()
                                .addResponseParameters(
                                        ResponseParameters.newBuilder().setSize(10))
                                .build())
                        .hasNext())
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(unavailable.hits).hasValue(1);

        // A unary call to the same instance is tried three times (RetryConfig's default attempts).
        assertThatThrownBy(() -> orders.emptyCall(EMPTY)).isInstanceOf(StatusRuntimeException.class);
        assertThat(unavailable.hits).hasValue(4);
    }

    @Test
    void anInternalErrorIsRetriedOnlyOnAMethodWhoseRouteSaysItIsSafeToRepeat() throws Exception {
        final GrpcBackend good = backend(identity("orders"), "orders-good");
        final GrpcBackend internal = failing("orders-bad", Status.INTERNAL);
        final MeshClient mesh = roundRobin(RetryConfig.ofDefaults());
        connected(mesh, 2);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        // By default INTERNAL is a failure, not retried: the method may have acted.
        assertThat(failures(orders, false)).isBetween(4, 6);

        // The operator says EmptyCall is safe to repeat on INTERNAL: its route is the method's path.
        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("empty-call")
                .match(new RouteMatch(
                        PathMatch.of(PathMatch.Kind.EXACT, "/grpc.testing.TestService/EmptyCall"),
                        Set.of(),
                        java.util.Map.of()))
                .retry(new RetrySpec(
                        3,
                        Set.of(RetryOn.UNPROCESSED, RetryOn.GRPC_INTERNAL),
                        Duration.ofMillis(5),
                        Duration.ofMillis(50)))
                .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(ORDERS, config).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.routeConfig(ORDERS).equals(config));
        final int goodBefore = good.hits.get();

        assertThat(failures(orders, false)).isZero();
        assertThat(good.hits.get() - goodBefore).isEqualTo(10);
        // Another method of the service, which the rule does not match, is still not retried.
        assertThat(failures(orders, true)).isBetween(4, 6);
        assertThat(internal.calls).contains("grpc.testing.TestService/UnaryCall");
    }

    @Test
    void aUnaryCallIsHedgedWhereItsRouteSaysSo() throws Exception {
        backend(identity("orders"), "orders-fast");
        final GrpcBackend slow = backend(identity("orders"), "orders-slow").slowEmptyCalls(Duration.ofSeconds(10));
        final MeshClient mesh = mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .balancer(Balancers.roundRobin())
                .policy(
                        "orders",
                        ClientPolicy.builder()
                                .timeout(Duration.ofSeconds(1))
                                .breaker(NEVER_EJECTS)
                                .build()));
        connected(mesh, 2);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        // Without hedging, the calls that start on the slow instance run out of time there.
        int timedOut = 0;
        for (int i = 0; i < 4; i++) {
            try {
                orders.emptyCall(EMPTY);
            } catch (StatusRuntimeException e) {
                // The mesh's timeout (the stub set none) reaches the stub as DEADLINE_EXCEEDED, or at times as
                // CANCELLED: a known gap, not understood yet (a race below the retrying client, it seems); either way
                // the call did not get its answer in time.
                assertThat(e.getStatus().getCode()).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
                timedOut++;
            }
        }
        assertThat(timedOut).isEqualTo(2);

        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("empty-call")
                .match(new RouteMatch(
                        PathMatch.of(PathMatch.Kind.EXACT, "/grpc.testing.TestService/EmptyCall"),
                        Set.of(),
                        java.util.Map.of()))
                .hedge(new HedgeSpec(Duration.ofMillis(50), null, 2))
                .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(ORDERS, config).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.routeConfig(ORDERS).equals(config));
        final int slowBefore = slow.hits.get();

        // With it, each call that starts there gets a second attempt on the fast one, which answers.
        for (int i = 0; i < 4; i++) {
            assertThat(orders.emptyCall(EMPTY)).isEqualTo(EMPTY);
        }
        assertThat(slow.hits.get() - slowBefore)
                .as("calls that started on the slow instance")
                .isPositive();
    }

    /** Makes ten calls of EmptyCall (or UnaryCall), and counts those that failed with INTERNAL. */
    private static int failures(TestServiceBlockingStub orders, boolean unary) {
        int failed = 0;
        for (int i = 0; i < 10; i++) {
            try {
                if (unary) {
                    orders.unaryCall(SimpleRequest.getDefaultInstance());
                } else {
                    orders.emptyCall(EMPTY);
                }
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                failed++;
            }
        }
        return failed;
    }
}
