package io.mesh4j.registry.internal.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.instances.ServiceSnapshot;

/**
 * {@code GET /v1/services/{service}/instances?index=N&wait=30s}: the long-poll watch. Without {@code index} it
 * answers at once; with it, it holds while the service's index is still N. With {@code changes=true} it answers
 * only what changed since N (or the full list, marked so, when the service's history does not reach back to N). It
 * holds no thread while it waits: the answer is a future that the service's next change, or the end of the wait,
 * completes.
 */
final class WatchService implements HttpService {

    /** Added to the wait for Armeria's request timeout, so that Armeria never cuts a watch short of its wait. */
    static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private final InstanceTable table;

    WatchService(InstanceTable table) {
        this.table = table;
    }

    /** The {@code changes} parameter: {@code true} for an incremental watch; absent or {@code false} for the list. */
    private static boolean changes(@Nullable String param) {
        if (param == null || "false".equals(param)) {
            return false;
        }
        if ("true".equals(param)) {
            return true;
        }
        throw new InvalidInputException(
                ErrorCode.INVALID_QUERY,
                "changes: '" + (param.length() <= 40 ? param : param.substring(0, 40) + "...")
                        + "' (expected: true, for only what changed since index, or false)");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final @Nullable String indexParam = ctx.queryParam("index");
        final @Nullable String waitParam = ctx.queryParam("wait");
        final long index = indexParam == null ? -1 : WatchParams.parseIndex(indexParam);
        final Duration wait = waitParam == null ? WatchParams.DEFAULT_WAIT : WatchParams.parseWait(waitParam);
        final boolean changes = changes(ctx.queryParam("changes"));
        if (indexParam == null) {
            // No index: the caller has nothing yet and wants what there is now (curl, a first look).
            final ServiceSnapshot now = table.current(service);
            return changes ? JsonResponses.indexed(now.index(), now.changesJson(-1)) : JsonResponses.snapshot(now);
        }
        ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(TIMEOUT_MARGIN));
        final CompletableFuture<ServiceSnapshot> answer = table.watch(service, index, wait);
        // A caller that leaves (or a connection that drops) stops the wait at once.
        ctx.whenRequestCancelling().thenRun(() -> answer.cancel(false));
        // Answered on this request's event loop, not on the thread that completes the watch (the registry's
        // writer, which wakes every watch of a change in turn): the one who writes the snapshot's JSON first is
        // then an event loop, and the writer only hands the watches over.
        return HttpResponse.of(answer.handleAsync(
                (snapshot, cause) -> {
                    if (cause == null) {
                        return changes
                                ? JsonResponses.indexed(snapshot.index(), snapshot.changesJson(index))
                                : JsonResponses.snapshot(snapshot);
                    }
                    if (answer.isCancelled()) {
                        // Nobody is left to read this; answered only so that the failure is not logged as a fault.
                        return JsonResponses.error(ErrorCode.UNAVAILABLE, "the watch was cancelled");
                    }
                    throw new CompletionException(cause);
                },
                ctx.eventLoop()));
    }
}
