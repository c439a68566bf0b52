package io.mesh4j.client;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.Payload;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * What the gRPC client tests share: a real TLS registry per test, workload identities joined with its tokens,
 * stock grpc-java servers registered in it ({@link GrpcBackend}), and mesh clients, all closed after the test.
 */
abstract class GrpcTestBase {

    static final ServiceName ORDERS = ServiceName.of("orders");
    static final Empty EMPTY = Empty.getDefaultInstance();

    @TempDir
    Path dataDir;

    final List<AutoCloseable> toClose = new ArrayList<>();
    MeshRegistry registry;

    @BeforeEach
    void startRegistry() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    WorkloadIdentity identity(String service) {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service)
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(identity);
        return identity.start().join();
    }

    GrpcBackend backend(WorkloadIdentity identity, String id) throws Exception {
        final GrpcBackend backend = GrpcBackend.start(identity, "orders", id);
        toClose.add(backend);
        return backend;
    }

    MeshClient mesh(MeshClientBuilder builder) {
        final MeshClient mesh = builder.build();
        toClose.add(mesh);
        return mesh;
    }

    MeshClient mesh() {
        return mesh(MeshClient.builder(registry.uri()).identity(identity("checkout")));
    }

    static void connected(MeshClient mesh, int instances) {
        mesh.webClient(ORDERS);
        await().atMost(Duration.ofSeconds(5)).until(() -> mesh.endpoints(ORDERS).size() == instances);
    }

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }
}
