package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.server.MeshServer;

/**
 * A deadline that runs out in the middle of a chain stops the work downstream: caller -> edge -> leaf, where the
 * edge takes longer than the caller waits before it calls the leaf.
 */
class DeadlineChainTest {

    private static final Duration EDGE_WORK = Duration.ofMillis(300);

    @TempDir
    Path dataDir;

    private LocalMesh local;
    private final AtomicInteger leafCalls = new AtomicInteger();
    private final AtomicReference<String> leafSawDeadline = new AtomicReference<>();
    /** How the edge's call to the leaf ended, once the edge has made it. */
    private final CompletableFuture<AggregatedHttpResponse> edgeCallToLeaf = new CompletableFuture<>();

    private MeshRegistry registry;
    private URI registryUri;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        registry = local.registry();
        registryUri = local.uri();
        final MeshServer leaf = MeshServer.builder("leaf", registryUri)
                .identity(local.identity("leaf"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/leaf", (ctx, req) -> {
                    leafCalls.incrementAndGet();
                    leafSawDeadline.set(req.headers().get(Deadline.HEADER));
                    return HttpResponse.of("leaf");
                })
                .build();
        leaf.start().join();
        local.closeLater(leaf);
        final WorkloadIdentity edgeIdentity = local.identity("edge");
        final MeshClient edgeMesh =
                MeshClient.builder(registryUri).identity(edgeIdentity).build();
        local.closeLater(edgeMesh);
        final WebClient leafClient = edgeMesh.webClient("leaf");
        // The edge works, then calls the leaf: from the request's own context, with no deadline code.
        final MeshServer edge = MeshServer.builder("edge", registryUri)
                .identity(edgeIdentity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service(
                        "/work",
                        (ctx, req) -> HttpResponse.delayed(
                                () -> {
                                    final CompletableFuture<AggregatedHttpResponse> call =
                                            leafClient.get("/leaf").aggregate();
                                    call.whenComplete((res, cause) -> {
                                        if (cause != null) {
                                            edgeCallToLeaf.completeExceptionally(cause);
                                        } else {
                                            edgeCallToLeaf.complete(res);
                                        }
                                    });
                                    return HttpResponse.of(call.thenApply(AggregatedHttpResponse::toHttpResponse));
                                },
                                EDGE_WORK,
                                ctx.eventLoop()))
                .build();
        edge.start().join();
        local.closeLater(edge);
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
    }

    private WebClient edgeClientWithTimeout(Duration timeout) {
        final MeshClient caller = MeshClient.builder(registryUri)
                .identity(local.identity("caller"))
                .defaultPolicy(ClientPolicy.builder().timeout(timeout).build())
                .build();
        local.closeLater(caller);
        caller.webClient(ServiceName.of("edge")); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(5))
                .until(() -> caller.endpoints(ServiceName.of("edge")).size() == 1);
        return caller.webClient("edge");
    }

    @Test
    void aCallerThatGivesUpBeforeTheEdgeCallsTheLeafStopsTheLeafsWork() throws Exception {
        final WebClient edge = edgeClientWithTimeout(Duration.ofMillis(150));

        final long start = System.nanoTime();
        assertThatThrownBy(() -> edge.get("/work").aggregate().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ResponseTimeoutException.class);
        // It gave up at its own timeout, not when the edge finished (a loose bound: CI machines are busy).
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

        // The edge's handler goes on to its call after the caller has given up: the mesh refuses to make it.
        await().atMost(Duration.ofSeconds(5)).until(edgeCallToLeaf::isDone);
        assertThat(edgeCallToLeaf)
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(ResponseTimeoutException.class);
        assertThat(leafCalls).hasValue(0);
    }

    @Test
    void aCallerThatWaitsLongEnoughGetsTheLeafWhichSeesWhatIsLeftOfTheDeadline() {
        final WebClient edge = edgeClientWithTimeout(Duration.ofSeconds(2));

        assertThat(edge.get("/work").aggregate().join().contentUtf8()).isEqualTo("leaf");
        assertThat(leafCalls).hasValue(1);
        assertThat(Long.parseLong(leafSawDeadline.get())).isBetween(1L, 2000L - EDGE_WORK.toMillis());
    }
}
