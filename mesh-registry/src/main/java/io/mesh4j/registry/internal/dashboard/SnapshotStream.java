package io.mesh4j.registry.internal.dashboard;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;

import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;

/**
 * {@code GET /v1/dashboard/events}: a Server-Sent Events stream of {@code snapshot} events, one at once and one every
 * interval after, each a whole {@link DashboardSnapshot} (a page that missed one loses nothing by it). Whole
 * snapshots rather than changes keep the page stateless; at a few kilobytes every two seconds they cost less than
 * the bookkeeping of differences would.
 *
 * <p>A stream lives until the viewer goes away: it has no request timeout, and at most {@link #MAX_STREAMS} are open
 * at once, so that forgotten tabs cannot hold the registry's event loops busy; one more is a 429.
 */
final class SnapshotStream implements HttpService {

    static final int MAX_STREAMS = 32;

    private final DashboardSnapshot snapshot;
    private final Duration interval;
    private final AtomicInteger open = new AtomicInteger();

    SnapshotStream(DashboardSnapshot snapshot, Duration interval) {
        this.snapshot = requireNonNull(snapshot, "snapshot");
        this.interval = requireNonNull(interval, "interval");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            throw new InvalidInputException(
                    ErrorCode.RATE_LIMITED,
                    MAX_STREAMS + " dashboard streams are open already: close a dashboard tab, or wait for one to go");
        }
        ctx.clearRequestTimeout();
        final StreamWriter<ServerSentEvent> events = StreamMessage.streaming();
        // A viewer that does not read (a suspended tab, a slow link) skips snapshots rather than piling them up here.
        final AtomicBoolean unread = new AtomicBoolean();
        final ScheduledFuture<?> ticks = ctx.eventLoop()
                .scheduleAtFixedRate(
                        () -> {
                            if (!events.isOpen() || unread.get()) {
                                return;
                            }
                            final boolean written = events.tryWrite(ServerSentEvent.builder()
                                    .event("snapshot")
                                    .data(snapshot.json())
                                    .build());
                            if (written) {
                                unread.set(true);
                                events.whenConsumed().thenRun(() -> unread.set(false));
                            }
                        },
                        0,
                        interval.toMillis(),
                        TimeUnit.MILLISECONDS);
        events.whenComplete().handle((unused, cause) -> {
            ticks.cancel(false);
            open.decrementAndGet();
            return null;
        });
        return ServerSentEvents.fromPublisher(events);
    }

    /** How many streams are open now. */
    int openStreams() {
        return open.get();
    }
}
