package io.mesh4j.benchmarks.registry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.SubscriptionOption;

import io.mesh4j.core.internal.registry.RegistryClient;
import io.netty.buffer.ByteBuf;

/**
 * One watcher of a service, as a mesh client's discovery runs it. A long-poll watcher asks for the service's
 * instances past the index it has, and asks again with the new index as soon as the answer is in; a streaming one
 * ({@code stream=true}) opens one response and reads each change from it as a line, opening it again from its last
 * index if it ends. It notes when it first got an answer at or past the index the benchmark is waiting for.
 *
 * <p>A long-poll watcher reads the index from the {@code X-Mesh-Index} header and counts the body's bytes without
 * parsing them; a streaming one reads only each line's leading {@code "index"}: a real client parses the JSON too,
 * but that is the client's cost, and here it would be the load generator's.
 */
final class Watcher {

    /** The longest a watch waits at the registry; the registry's default. */
    static final Duration WAIT = Duration.ofSeconds(30);

    /** How a watcher hears of changes. */
    enum Mode {
        /** One open response per watcher, each change a line of it (mesh clients' default). */
        stream,
        /** A long poll per change. */
        poll
    }

    /** How often a streaming watcher asks for a heartbeat while nothing changes; what mesh clients ask for. */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private static final byte[] INDEX_KEY = "\"index\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * How much of a line a streaming watcher reads: {@code {"stale":true,"index":N,"heartbeat":true}} at most comes
     * before the instances.
     */
    private static final int LINE_START = 128;

    private static final byte[] HEARTBEAT_KEY =
            "\"heartbeat\":true".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final WebClient client;
    private final String path;
    private final Mode mode;
    private volatile boolean closed;
    private volatile long target = Long.MAX_VALUE;
    private volatile long seenAt;
    private volatile long lastIndex;
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    Watcher(WebClient client, String service, boolean incremental, Mode mode) {
        this.client = client;
        this.mode = mode;
        // Incremental, as a mesh client watches by default: each answer is what changed since the index sent.
        path = mode == Mode.stream
                ? "/v1/services/" + service + "/instances?wait=" + HEARTBEAT.toSeconds()
                        + "s&changes=true&stream=true&index="
                : "/v1/services/" + service + "/instances?wait=" + WAIT.toSeconds() + "s"
                        + (incremental ? "&changes=true" : "") + "&index=";
    }

    void start() {
        poll(0);
    }

    /** Waits from now for an answer at or past {@code index}, forgetting the one waited for before. */
    void expect(long index) {
        seenAt = 0;
        target = index;
        // An answer that came in between the two writes above is taken again here.
        if (lastIndex >= index && seenAt == 0) {
            seenAt = System.nanoTime();
        }
    }

    /** When the answer waited for came in ({@link System#nanoTime()}), 0 while it has not. */
    long seenAt() {
        return seenAt;
    }

    long lastIndex() {
        return lastIndex;
    }

    long answers() {
        return answers.get();
    }

    long bodyBytes() {
        return bodyBytes.get();
    }

    long failures() {
        return failures.get();
    }

    void close() {
        closed = true;
    }

    private void poll(long index) {
        if (closed) {
            return;
        }
        if (mode == Mode.stream) {
            client.get(path + index).subscribe(new Stream(index), SubscriptionOption.WITH_POOLED_OBJECTS);
        } else {
            client.get(path + index).subscribe(new Answer(index), SubscriptionOption.WITH_POOLED_OBJECTS);
        }
    }

    private void seen(long index) {
        final long now = System.nanoTime();
        answers.incrementAndGet();
        lastIndex = index;
        if (index >= target && seenAt == 0) {
            seenAt = now;
        }
    }

    /** A failed watch asks again a little later, as discovery backs off, rather than spinning. */
    private void retryLater(long index) {
        if (!closed) {
            CommonPools.workerGroup().schedule(() -> poll(index), 100, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads a watch stream, one event a line; a heartbeat line counts as nothing. It reads the bytes where they
     * arrived (the pooled buffer) and keeps only the start of each line, where the registry puts {@code "index"} and
     * the heartbeat mark, in a buffer it reuses: a line costs this process no garbage, since the watchers share it
     * with the writer and its collections would be timed as the registry's delay.
     */
    private final class Stream implements Subscriber<HttpObject> {

        private final byte[] line = new byte[LINE_START];
        private int length;
        private long index;
        private boolean ok;

        Stream(long index) {
            this.index = index;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpObject object) {
            if (object instanceof ResponseHeaders headers) {
                if (!headers.status().isInformational()) {
                    ok = headers.status().isSuccess();
                }
            } else if (object instanceof HttpData data) {
                try {
                    final ByteBuf bytes = data.byteBuf();
                    final int end = bytes.writerIndex();
                    bodyBytes.addAndGet(end - bytes.readerIndex());
                    for (int i = bytes.readerIndex(); i < end; i++) {
                        final byte b = bytes.getByte(i);
                        if (b == '\n') {
                            onLine();
                            length = 0;
                        } else if (length < line.length) {
                            line[length++] = b;
                        }
                    }
                } finally {
                    data.close();
                }
            }
        }

        private void onLine() {
            if (indexOf(line, length, HEARTBEAT_KEY) >= 0) {
                return;
            }
            final int at = indexOf(line, length, INDEX_KEY);
            if (at < 0) {
                return;
            }
            long value = 0;
            for (int i = at + INDEX_KEY.length; i < length && line[i] >= '0' && line[i] <= '9'; i++) {
                value = value * 10 + (line[i] - '0');
            }
            index = value;
            seen(value);
        }

        @Override
        public void onError(Throwable cause) {
            if (!closed) {
                failures.incrementAndGet();
            }
            retryLater(index);
        }

        @Override
        public void onComplete() {
            if (!ok) {
                failures.incrementAndGet();
            }
            retryLater(index);
        }
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Reads one answer as it streams in, keeping none of its body. */
    private final class Answer implements Subscriber<HttpObject> {

        private final long askedIndex;
        private long index = -1;
        private boolean ok;
        private long bytes;

        Answer(long askedIndex) {
            this.askedIndex = askedIndex;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpObject object) {
            if (object instanceof ResponseHeaders) {
                final ResponseHeaders headers = (ResponseHeaders) object;
                if (!headers.status().isInformational()) {
                    ok = headers.status().isSuccess();
                    final String header = headers.get(RegistryClient.INDEX_HEADER);
                    index = header != null ? Long.parseLong(header) : -1;
                }
            } else if (object instanceof HttpData) {
                final HttpData data = (HttpData) object;
                bytes += data.length();
                data.close();
            }
        }

        @Override
        public void onError(Throwable cause) {
            failures.incrementAndGet();
            retryLater();
        }

        @Override
        public void onComplete() {
            if (!ok || index < 0) {
                failures.incrementAndGet();
                retryLater();
                return;
            }
            bodyBytes.addAndGet(bytes);
            seen(index);
            poll(index);
        }

        private void retryLater() {
            Watcher.this.retryLater(askedIndex);
        }
    }
}
