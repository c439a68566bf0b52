package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.instances.ServiceSnapshot;
import io.netty.channel.EventLoop;

/**
 * One streaming watch ({@code ?index=N&changes=true&stream=true}): a response that stays open and carries one line
 * of JSON per event, each change as the incremental answer a long poll would get (the same bytes, made once per
 * change and shared by every stream, {@link ServiceSnapshot#changesLine(long)}), and a heartbeat line when nothing
 * changed for {@code heartbeat}. Per watcher and change that is one DATA write on an open response: no request to
 * read, route or give a context, which is what a long poll costs per change.
 *
 * <p>It is a chain of ordinary watches of the table, each from the index the stream last wrote, so it is woken the
 * way a long poll is (one task per event loop per change) and over etcd it is fed by the replica's one feed. The
 * next watch starts only once the watcher has taken the previous event ({@code whenConsumed}): a watcher that reads
 * slowly gets what changed meanwhile in one event rather than a queue of them, so a stream holds at most the event
 * being written and the one after it. One that takes nothing for {@code 2 × heartbeat} (a dead peer, or one that
 * stopped reading) is cut off: the response is aborted, and the watcher, when it comes back, watches again from the
 * last index it read and is answered what changed since, or the full list.
 *
 * <p>Everything of one stream runs on its request's event loop.
 */
final class WatchStream {

    /** The media type of a watch stream: newline-delimited JSON, one event a line. */
    static final MediaType NDJSON = MediaType.parse("application/x-ndjson; charset=utf-8");

    private static final byte[] STALE_PREFIX = "{\"stale\":true,".getBytes(StandardCharsets.UTF_8);

    private final InstanceTable table;
    private final ServiceName service;
    private final Duration heartbeat;
    private final EventLoop loop;
    private final WatchStreamStats stats;
    private final HttpResponseWriter writer = HttpResponse.streaming();
    private long index;
    private @Nullable CompletableFuture<ServiceSnapshot> watch;
    private @Nullable ScheduledFuture<?> stallTimer;

    private WatchStream(
            InstanceTable table,
            ServiceName service,
            long index,
            Duration heartbeat,
            EventLoop loop,
            WatchStreamStats stats) {
        this.table = table;
        this.stats = stats;
        this.service = service;
        this.index = index;
        this.heartbeat = heartbeat;
        this.loop = loop;
    }

    /**
     * Opens a stream of {@code service}'s changes for a watcher at {@code index} ({@code -1}: it has nothing, and
     * the first event is the full list), with a heartbeat after {@code heartbeat} without a change; counted in
     * {@code stats}.
     */
    static HttpResponse open(
            InstanceTable table,
            ServiceName service,
            long index,
            Duration heartbeat,
            EventLoop loop,
            WatchStreamStats stats) {
        final WatchStream stream = new WatchStream(
                requireNonNull(table, "table"),
                requireNonNull(service, "service"),
                index,
                requireNonNull(heartbeat, "heartbeat"),
                requireNonNull(loop, "loop"),
                requireNonNull(stats, "stats"));
        stream.start();
        return stream.writer;
    }

    private void start() {
        writer.write(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(NDJSON)
                .set(
                        RegistryClient.INDEX_HEADER,
                        Long.toString(table.current(service).index()))
                .build());
        stats.opened();
        // The watcher left, its connection dropped, or the stream was cut: the held watch and the timer go too.
        writer.whenComplete().handle((unused, cause) -> {
            stats.closed();
            loop.execute(this::stop);
            return null;
        });
        if (index < 0) {
            // Nothing held yet: the full list now, as a long poll without an index answers.
            final ServiceSnapshot now = table.current(service);
            write(now.changesLine(-1));
            index = now.index();
            afterConsumed();
        } else {
            next();
        }
    }

    /** Waits for the service to move off the index the watcher has, or for the heartbeat to be due. */
    private void next() {
        if (!writer.isOpen()) {
            return;
        }
        if (table.isClosed()) {
            writer.close(); // the registry stops: the watcher goes on elsewhere or when it is back
            return;
        }
        final CompletableFuture<ServiceSnapshot> watch = table.watch(service, index, heartbeat, loop);
        this.watch = watch;
        watch.whenComplete((snapshot, cause) -> {
            if (loop.inEventLoop()) {
                answer(snapshot, cause);
            } else {
                loop.execute(() -> answer(snapshot, cause));
            }
        });
    }

    private void answer(@Nullable ServiceSnapshot snapshot, @Nullable Throwable cause) {
        watch = null;
        if (!writer.isOpen()) {
            return;
        }
        if (cause != null || snapshot == null) {
            writer.abort(cause != null ? cause : new IllegalStateException("a watch ended without an answer"));
            return;
        }
        if (snapshot.index() != index) {
            write(snapshot.changesLine(index));
            index = snapshot.index();
        } else {
            write(HttpData.ofUtf8("{\"index\":" + index + ",\"heartbeat\":true}\n"));
        }
        afterConsumed();
    }

    private void write(HttpData event) {
        stats.lineWritten();
        if (!table.stale()) {
            writer.write(event);
            return;
        }
        // A replica that may be behind says so on every event, as its reads say it in X-Mesh-Stale. Rare, so the
        // shared line is copied here rather than a stale twin kept for every snapshot.
        final byte[] line = event.array();
        final byte[] marked = new byte[STALE_PREFIX.length + line.length - 1];
        System.arraycopy(STALE_PREFIX, 0, marked, 0, STALE_PREFIX.length);
        System.arraycopy(line, 1, marked, STALE_PREFIX.length, line.length - 1);
        writer.write(HttpData.wrap(marked));
    }

    /**
     * Watches again once the watcher has taken what was written, and cuts the stream off if it takes nothing for
     * two heartbeats.
     */
    private void afterConsumed() {
        final ScheduledFuture<?> stall = loop.schedule(this::cutOff, heartbeat.toNanos() * 2, TimeUnit.NANOSECONDS);
        stallTimer = stall;
        writer.whenConsumed()
                .thenRun(() -> loop.execute(() -> {
                    stall.cancel(false);
                    if (stallTimer == stall) {
                        stallTimer = null;
                    }
                    next();
                }));
    }

    private void cutOff() {
        if (writer.isOpen()) {
            stats.cutOff();
            writer.abort(new WatcherTooSlowException(service, heartbeat.multipliedBy(2)));
        }
    }

    private void stop() {
        final @Nullable CompletableFuture<ServiceSnapshot> watch = this.watch;
        if (watch != null) {
            watch.cancel(false);
        }
        final @Nullable ScheduledFuture<?> stall = stallTimer;
        if (stall != null) {
            stall.cancel(false);
        }
    }

    /** Why a stream was cut off: its watcher took nothing for two heartbeats. */
    static final class WatcherTooSlowException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WatcherTooSlowException(ServiceName service, Duration stalled) {
            super(
                    "the watch stream of " + service + " was cut off: the watcher took nothing for "
                            + stalled.toMillis() + " ms; watch again from the last index read",
                    null,
                    false,
                    false);
        }
    }
}
