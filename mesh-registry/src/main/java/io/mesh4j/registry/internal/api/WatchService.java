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
import io.netty.channel.EventLoop;

/**
 * {@code GET /v1/services/{service}/instances?index=N&wait=30s}: the long-poll watch. Without {@code index} it
 * answers at once; with it, it holds while the service's index is still N. With {@code changes=true} it answers
 * only what changed since N (or the full list, marked so, when the service's history does not reach back to N). It
 * holds no thread while it waits: the answer is a future that the service's next change, or the end of the wait,
 * completes. With {@code stream=true} (and {@code changes=true}) it does not answer once but keeps the response open
 * and writes every change to it as it happens ({@link WatchStream}), with a heartbeat line every {@code wait}.
 */
final class WatchService implements HttpService {

    /** Added to the wait for Armeria's request timeout, so that Armeria never cuts a watch short of its wait. */
    static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(5);

    /** The shortest heartbeat a watch stream may ask for, so that heartbeats cannot keep an event loop busy. */
    static final Duration MIN_HEARTBEAT = Duration.ofMillis(100);

    private final InstanceTable table;
    // Off: stream=true is ignored and the watch is a long poll, as on a registry from before streams.
    private final boolean streams;
    private final SharedHeaders headers = new SharedHeaders();
    // The last wait parsed, by its text: every mesh client sends the same one ("30s"), so it is parsed once.
    private volatile @Nullable ParsedWait lastWait;

    private record ParsedWait(String text, Duration duration) {}

    private final WatchStreamStats streamStats;

    WatchService(InstanceTable table, boolean streams, WatchStreamStats streamStats) {
        this.table = table;
        this.streams = streams;
        this.streamStats = streamStats;
    }

    private Duration wait(@Nullable String param) {
        if (param == null) {
            return WatchParams.DEFAULT_WAIT;
        }
        final @Nullable ParsedWait last = lastWait;
        if (last != null && last.text().equals(param)) {
            return last.duration();
        }
        final Duration wait = WatchParams.parseWait(param);
        lastWait = new ParsedWait(param, wait);
        return wait;
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

    /** The {@code stream} parameter: {@code true} for a watch stream, which is always incremental. */
    private static boolean stream(@Nullable String param, @Nullable String changesParam) {
        if (param == null || "false".equals(param)) {
            return false;
        }
        if (!"true".equals(param)) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_QUERY,
                    "stream: '" + (param.length() <= 40 ? param : param.substring(0, 40) + "...")
                            + "' (expected: true, for one response that carries every change as it happens, or "
                            + "false)");
        }
        if (!"true".equals(changesParam)) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_QUERY,
                    "stream=true needs changes=true: a watch stream carries what changed, never the whole list "
                            + "again (add &changes=true)");
        }
        return true;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final @Nullable String indexParam = ctx.queryParam("index");
        final @Nullable String waitParam = ctx.queryParam("wait");
        final long index = indexParam == null ? -1 : WatchParams.parseIndex(indexParam);
        final Duration wait = wait(waitParam);
        final @Nullable String changesParam = ctx.queryParam("changes");
        final boolean changes = changes(changesParam);
        if (streams && stream(ctx.queryParam("stream"), changesParam)) {
            if (wait.compareTo(MIN_HEARTBEAT) < 0) {
                throw new InvalidInputException(
                        ErrorCode.INVALID_QUERY,
                        "wait: " + waitParam + " (expected: at least " + MIN_HEARTBEAT.toMillis()
                                + "ms with stream=true,"
                                + " where wait is how often a heartbeat is written while nothing changes)");
            }
            // Open until the watcher leaves: the wait is the heartbeat, and no request timeout applies.
            ctx.clearRequestTimeout();
            return WatchStream.open(table, service, index, wait, ctx.eventLoop().withoutContext(), streamStats);
        }
        if (indexParam == null) {
            // No index: the caller has nothing yet and wants what there is now (curl, a first look).
            final ServiceSnapshot now = table.current(service);
            return changes ? JsonResponses.indexed(now.index(), now.changesJson(-1)) : JsonResponses.snapshot(now);
        }
        ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(TIMEOUT_MARGIN));
        // This request's event loop, without Armeria's context-propagating wrapper: the change that wakes the watch
        // completes it there, in one task with the loop's other watches, and the wait is timed by the loop's timer.
        final EventLoop loop = ctx.eventLoop().withoutContext();
        final CompletableFuture<ServiceSnapshot> answer = table.watch(service, index, wait, loop);
        // A caller that leaves (or a connection that drops) stops the wait at once.
        ctx.whenRequestCancelling().thenRun(() -> answer.cancel(false));
        // Answered on this request's event loop, where the wake-up, the timer and the caller's leaving complete
        // the watch; a completion anywhere else (a registry that stops) hands the answer over to the loop.
        return HttpResponse.of(answer.handleAsync(
                (snapshot, cause) -> {
                    if (cause == null) {
                        return changes
                                ? headers.indexed(snapshot.index(), snapshot.changesJson(index))
                                : headers.indexed(snapshot.index(), snapshot.json());
                    }
                    if (answer.isCancelled()) {
                        // Nobody is left to read this; answered only so that the failure is not logged as a fault.
                        return JsonResponses.error(ErrorCode.UNAVAILABLE, "the watch was cancelled");
                    }
                    throw new CompletionException(cause);
                },
                command -> {
                    if (loop.inEventLoop()) {
                        command.run();
                    } else {
                        loop.execute(command);
                    }
                }));
    }
}
