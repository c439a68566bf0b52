package io.mesh4j.client.internal.discovery;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;

/**
 * What a connection opened before the registry's first answer, or while its service has no instance, waits on: the
 * group's first endpoint. Not Armeria's {@code whenReady()}, which a group that was once ready (even empty) has
 * already completed.
 */
public final class FirstEndpoint {

    private FirstEndpoint() {}

    /**
     * Completes once {@code group} has an endpoint: at once if it has one now. The caller bounds the wait.
     *
     * @param group the endpoints a connection may go to
     * @return a future completed when there is one
     */
    public static CompletableFuture<Void> of(EndpointGroup group) {
        final CompletableFuture<Void> some = new CompletableFuture<>();
        final Consumer<List<Endpoint>> listener = list -> {
            if (!list.isEmpty()) {
                some.complete(null);
            }
        };
        group.addListener(listener, true);
        some.whenComplete((unused, cause) -> group.removeListener(listener));
        return some;
    }
}
