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

/**
 * One long-poll watcher of a service, as a mesh client's discovery runs it: it asks for the service's instances
 * past the index it has, and asks again with the new index as soon as the answer is in. It notes when it first
 * got an answer at or past the index the benchmark is waiting for.
 *
 * <p>It reads the index from the {@code X-Mesh-Index} header and counts the body's bytes without parsing them:
 * a real client parses the JSON too, but that is the client's cost, and here it would be the load generator's.
 */
final class Watcher {

    /** The longest a watch waits at the registry; the registry's default. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final WebClient client;
    private final String path;
    private volatile boolean closed;
    private volatile long target = Long.MAX_VALUE;
    private volatile long seenAt;
    private volatile long lastIndex;
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    Watcher(WebClient client, String service, boolean incremental) {
        this.client = client;
        // Incremental, as a mesh client watches by default: each answer is what changed since the index sent.
        path = "/v1/services/" + service + "/instances?wait=" + WAIT.toSeconds() + "s"
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
        client.get(path + index).subscribe(new Answer(index), SubscriptionOption.WITH_POOLED_OBJECTS);
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
            final long now = System.nanoTime();
            answers.incrementAndGet();
            bodyBytes.addAndGet(bytes);
            lastIndex = index;
            if (index >= target && seenAt == 0) {
                seenAt = now;
            }
            poll(index);
        }

        /** A failed watch asks again a little later, as discovery backs off, rather than spinning. */
        private void retryLater() {
            if (!closed) {
                CommonPools.workerGroup().schedule(() -> poll(askedIndex), 100, TimeUnit.MILLISECONDS);
            }
        }
    }
}
