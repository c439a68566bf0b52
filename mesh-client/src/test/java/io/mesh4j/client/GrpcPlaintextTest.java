package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceBlockingStub;
import io.mesh4j.core.discovery.ServiceName;

/** A plaintext mesh's gRPC stubs call over h2c, as its WebClients call over HTTP. */
class GrpcPlaintextTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void aPlaintextClientCallsAGrpcServerOverH2c() throws Exception {
        try (GrpcBackend server = GrpcBackend.plaintext(registry.client(), "orders", "orders-1");
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ServiceName.of("orders")).size() == 1);

            assertThat(orders.emptyCall(Empty.getDefaultInstance())).isEqualTo(Empty.getDefaultInstance());
            assertThat(orders.unaryCall(SimpleRequest.newBuilder()
                                    .setResponseSize(42)
                                    .build())
                            .getPayload()
                            .getBody()
                            .size())
                    .isEqualTo(42);
            assertThat(server.calls).hasSize(2);
        }
    }
}
