package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientRequestPreparation;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * A route override travels downstream with the request, hop by hop, from a caller the edge trusts; a forged
 * one from anyone else is dropped at the edge, even when the edge's handler copies every header onto its call.
 */
class RouteOverrideChainTest {

    private static final String OVERRIDE = "leaf=>leaf{version=v2}";

    @TempDir
    Path dataDir;

    private LocalMesh local;
    private MeshRegistry registry;
    private URI registryUri;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        registry = local.registry();
        registryUri = local.uri();
        for (String version : List.of("v1", "v2")) {
            final MeshServer leaf = MeshServer.builder("leaf", registryUri)
                    .identity(local.identity("leaf"))
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO)
                    .metadata("version", version)
                    .service("/leaf", (ctx, req) -> HttpResponse.of("leaf " + version))
                    .build();
            leaf.start().join();
            local.closeLater(leaf);
        }
        // Every call to leaf goes to v1, unless a trusted override says otherwise; only debug-console is trusted.
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putRoutes(
                        ServiceName.of("leaf"),
                        new RouteConfig(List.of(RouteRule.builder("stable")
                                .split(List.of(new WeightedSubset(new Subset(Map.of("version", "v1")), 100)), null)
                                .build())))
                .join();
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putRoutes(ServiceName.of("edge"), new RouteConfig(List.of(), Set.of(ServiceName.of("debug-console"))))
                .join();

        final WorkloadIdentity edgeIdentity = local.identity("edge");
        final MeshClient edgeMesh =
                MeshClient.builder(registryUri).identity(edgeIdentity).build();
        local.closeLater(edgeMesh);
        final WebClient leafClient = edgeMesh.webClient("leaf");
        // A careless handler: it copies every header of its request onto its own call.
        final MeshServer edge = MeshServer.builder("edge", registryUri)
                .identity(edgeIdentity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/edge", (ctx, req) -> {
                    final WebClientRequestPreparation call =
                            leafClient.prepare().get("/leaf");
                    req.headers().forEach((name, value) -> {
                        if (name.charAt(0) != ':') {
                            call.header(name, value);
                        }
                    });
                    return HttpResponse.of(
                            call.execute().aggregate().thenApply(AggregatedHttpResponse::toHttpResponse));
                })
                .build();
        edge.start().join();
        local.closeLater(edge);
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
    }

    private WebClient edgeAs(String caller) {
        final MeshClient mesh =
                MeshClient.builder(registryUri).identity(local.identity(caller)).build();
        local.closeLater(mesh);
        mesh.webClient(ServiceName.of("edge")); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.endpoints(ServiceName.of("edge")).size() == 1);
        return mesh.webClient("edge");
    }

    private static String callWithOverride(WebClient edge) {
        return edge.prepare()
                .get("/edge")
                .header(RouteOverride.HEADER, OVERRIDE)
                .execute()
                .aggregate()
                .join()
                .contentUtf8();
    }

    @Test
    void aTrustedCallersOverrideSteersTheCallsTwoHopsDown() {
        final WebClient edge = edgeAs("debug-console");
        await().atMost(Duration.ofSeconds(5)).until(() -> callWithOverride(edge).equals("leaf v2"));
        for (int i = 0; i < 20; i++) {
            assertThat(callWithOverride(edge)).isEqualTo("leaf v2");
            assertThat(edge.get("/edge").aggregate().join().contentUtf8()).isEqualTo("leaf v1");
        }
    }

    @Test
    void aForgedOverrideIsDroppedAtTheEdgeEvenWhenTheHandlerCopiesItOn() {
        final WebClient edge = edgeAs("frontend");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> edge.get("/edge").aggregate().join().contentUtf8().equals("leaf v1"));
        for (int i = 0; i < 20; i++) {
            assertThat(callWithOverride(edge)).isEqualTo("leaf v1");
        }
    }
}
