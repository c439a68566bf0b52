package io.mesh4j.kubernetes.discovery;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The mock API server's CRUD mode (real lists, real watches), except that it can answer one EndpointSlice watch
 * with 410 Gone, as an API server does when asked to watch from a resourceVersion it compacted away; and just before
 * that answer it stores a slice of the test's, a change no watch ever delivers, so that only a new list can see it.
 */
final class GoneOnceDispatcher extends Dispatcher {

    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    private final AtomicReference<@Nullable EndpointSlice> goneWithMissedChange = new AtomicReference<>();
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger watches = new AtomicInteger();
    final AtomicInteger gone = new AtomicInteger();

    /** Answers the next watch with 410 Gone, after storing {@code missed}. */
    void goneOnNextWatch(EndpointSlice missed) {
        goneWithMissedChange.set(missed);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        final String path = request.getPath();
        if (request.getMethod().equals("GET") && path.contains("/endpointslices")) {
            if (path.contains("watch=true")) {
                watches.incrementAndGet();
                final @Nullable EndpointSlice missed = goneWithMissedChange.getAndSet(null);
                if (missed != null) {
                    crud.dispatch(new RecordedRequest(
                            "HTTP/1.1",
                            HttpMethod.POST,
                            "/apis/discovery.k8s.io/v1/namespaces/"
                                    + missed.getMetadata().getNamespace() + "/endpointslices",
                            new Headers.Builder()
                                    .add("Content-Type", "application/json")
                                    .build(),
                            new Buffer(Serialization.asJson(missed).getBytes(StandardCharsets.UTF_8))));
                    gone.incrementAndGet();
                    final Status status = new StatusBuilder()
                            .withStatus("Failure")
                            .withReason("Expired")
                            .withMessage("too old resource version")
                            .withCode(410)
                            .build();
                    return new MockResponse()
                            .setResponseCode(410)
                            .setHeader("Content-Type", "application/json")
                            .setBody(Serialization.asJson(status));
                }
            } else if (path.contains("labelSelector=")) {
                // A list of a Service's slices, as the discovery makes; not a read of one slice by name.
                lists.incrementAndGet();
            }
        }
        return crud.dispatch(request);
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }
}
