package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

/**
 * Reads one watch stream ({@code ?index=N&changes=true&stream=true}) as it arrives: each line is an event, a change
 * (the incremental answer a long poll would get) handed to the caller in order, or a heartbeat that only says the
 * stream is alive. {@link #result()} completes
 * <ul>
 *   <li>with {@code null} when the registry ended the stream (it stops, or it cut a watcher that read too slowly);
 *   <li>with a long poll's answer when the registry does not stream (a registry from before streams ignores
 *       {@code stream=true} and answers one JSON document, which is still the changes since N);
 *   <li>with {@link StaleStreamException} when the replica says it may be behind, so that the caller moves on;
 *   <li>with a {@link TimeoutException} when nothing, not even a heartbeat, came for two heartbeats and a margin;
 *   <li>with a {@link RegistryException} on an error answer, or the transport's exception.
 * </ul>
 * Cancelling the result aborts the stream.
 */
final class ChangeStream implements Subscriber<HttpObject> {

    /** Added to two heartbeats before a silent stream is given up on: a heartbeat may be late on a busy registry. */
    private static final Duration SILENCE_MARGIN = Duration.ofSeconds(5);

    private static final MediaType NDJSON = MediaType.parse("application/x-ndjson");

    private final HttpResponse response;
    private final Consumer<InstancesChanges> onChanges;
    private final long silenceNanos;
    private final CompletableFuture<@Nullable InstancesChanges> result = new CompletableFuture<>();
    private final ScheduledFuture<?> silenceCheck;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private volatile long lastHeard = System.nanoTime();
    private @Nullable Subscription subscription;
    private @Nullable ResponseHeaders headers;
    private boolean streamed;

    /** A replica answered that it may be behind (its etcd is away): the caller watches elsewhere. */
    static final class StaleStreamException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StaleStreamException() {
            super("the registry's watch stream says it may be behind (stale)", null, false, false);
        }
    }

    private ChangeStream(
            HttpResponse response,
            Duration heartbeat,
            Consumer<InstancesChanges> onChanges,
            ScheduledExecutorService scheduler) {
        this.response = response;
        this.onChanges = onChanges;
        silenceNanos = heartbeat.multipliedBy(2).plus(SILENCE_MARGIN).toNanos();
        final long checkEvery = Math.max(heartbeat.toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
        silenceCheck =
                scheduler.scheduleWithFixedDelay(this::checkSilence, checkEvery, checkEvery, TimeUnit.NANOSECONDS);
        result.whenComplete((unused, cause) -> {
            silenceCheck.cancel(false);
            if (result.isCancelled() || cause != null) {
                response.abort();
            }
        });
    }

    /** Reads {@code response}, handing each change to {@code onChanges} on the thread that reads it, in order. */
    static CompletableFuture<@Nullable InstancesChanges> read(
            HttpResponse response,
            Duration heartbeat,
            Consumer<InstancesChanges> onChanges,
            ScheduledExecutorService scheduler) {
        final ChangeStream stream = new ChangeStream(
                requireNonNull(response, "response"),
                requireNonNull(heartbeat, "heartbeat"),
                requireNonNull(onChanges, "onChanges"),
                requireNonNull(scheduler, "scheduler"));
        response.subscribe(stream);
        return stream.result;
    }

    private void checkSilence() {
        if (System.nanoTime() - lastHeard > silenceNanos) {
            result.completeExceptionally(new TimeoutException("the registry's watch stream said nothing for "
                    + TimeUnit.NANOSECONDS.toMillis(silenceNanos) + " ms, not even a heartbeat"));
        }
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(HttpObject object) {
        lastHeard = System.nanoTime();
        try {
            if (object instanceof ResponseHeaders h) {
                onHeaders(h);
            } else if (object instanceof HttpData data) {
                onData(data);
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        if (!result.isDone()) {
            requireNonNull(subscription, "subscription").request(1);
        } else {
            requireNonNull(subscription, "subscription").cancel();
        }
    }

    private void onHeaders(ResponseHeaders h) {
        if (h.status().isInformational()) {
            return;
        }
        headers = h;
        final @Nullable MediaType type = h.contentType();
        streamed = h.status().code() == 200 && type != null && type.is(NDJSON);
        if (streamed && "true".equals(h.get(RegistryAddresses.STALE_HEADER))) {
            throw new StaleStreamException();
        }
    }

    private void onData(HttpData data) {
        final byte[] bytes = data.array();
        if (!streamed) {
            pending.write(bytes, 0, bytes.length); // one document, read whole at the end
            return;
        }
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                pending.write(bytes, start, i - start);
                final byte[] line = pending.toByteArray();
                pending.reset();
                start = i + 1;
                if (line.length > 0) {
                    onEvent(line);
                }
                if (result.isDone()) {
                    return;
                }
            }
        }
        pending.write(bytes, start, bytes.length - start);
    }

    private void onEvent(byte[] line) {
        final JsonNode event = RegistryJson.readAnswer(line);
        if (event.path("stale").asBoolean(false)) {
            throw new StaleStreamException();
        }
        if (event.path("heartbeat").asBoolean(false)) {
            return;
        }
        onChanges.accept(RegistryJson.readChanges(event));
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        if (streamed) {
            result.complete(null);
            return;
        }
        final @Nullable ResponseHeaders h = headers;
        final byte[] body = pending.toByteArray();
        if (h == null) {
            result.completeExceptionally(new IllegalStateException("the registry answered no headers"));
        } else if (!h.status().isSuccess()) {
            result.completeExceptionally(new RegistryException(
                    h.status().code(), RegistryJson.parseError(h.status().code(), body)));
        } else {
            try {
                result.complete(RegistryJson.parseChanges(body));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}
