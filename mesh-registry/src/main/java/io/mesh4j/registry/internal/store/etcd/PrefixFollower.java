package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;

/**
 * Follows one key prefix of etcd for one replica, for as long as the replica runs: reads it whole, then watches it
 * from the next revision, and keeps doing so whatever happens to the watch.
 *
 * <p>jetcd resumes a broken watch by itself from the last revision it delivered, which is enough while etcd still
 * has that revision. Once etcd has <em>compacted</em> past it (a replica cut off from etcd, or whose member was
 * down, while the cluster compacted its history), etcd cancels the watch, and jetcd gives it up. Then the events in
 * between are gone for good, so the follower reads the whole prefix again at the current revision, hands it to its
 * {@link Handler} to replace what it held, and watches from the revision after. Any other end of the watch that
 * jetcd does not retry is resumed from the next revision; a resume that etcd refuses as compacted reloads in turn.
 *
 * <p>From the first error of the watch until it is created again (or the reload is in hand), the replica is
 * {@linkplain EtcdConnection#behind behind}: its reads may miss changes, and are flagged stale, as while etcd is
 * unreachable, so that members move to a replica that is not.
 */
final class PrefixFollower implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(PrefixFollower.class);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration LAST_RETRY = Duration.ofSeconds(5);

    /** What a follower feeds, on one thread at a time, in revision order. */
    interface Handler {

        /** The next events of the prefix. */
        void events(List<WatchEvent> events);

        /**
         * Everything under the prefix at one revision, read again after the follower lost track of its events (a
         * compaction): replaces what the handler held, removals included.
         */
        void reloaded(GetResponse all);
    }

    private final EtcdConnection etcd;
    private final String prefix;
    private final ScheduledExecutorService restarts;
    private @Nullable Handler handler;
    /** The revision the watch goes on from: one past the last event delivered, or past the last read. */
    private volatile long next;
    /** Counts the watches made, so that the end of one that was replaced is not taken for the end of this one. */
    private volatile int generation;
    /** The watch's ends in a row with no watch created in between: each waits longer before the next try. */
    private volatile int endsInARow;

    private volatile Watch.@Nullable Watcher watcher;
    private volatile boolean closed;

    /**
     * @param prefix the keys' folder under {@code mesh4j/}, such as {@code instances/}
     */
    PrefixFollower(EtcdConnection etcd, String prefix) {
        this.etcd = requireNonNull(etcd, "etcd");
        this.prefix = requireNonNull(prefix, "prefix");
        restarts = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "mesh-registry-etcd-follow-" + prefix);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads the prefix whole and starts following it: every later event goes to {@code handler}, possibly before
     * this returns.
     *
     * @return what the prefix holds now, at the response's revision
     */
    GetResponse start(Handler handler) {
        this.handler = requireNonNull(handler, "handler");
        final GetResponse all = read();
        watchFrom(all.getHeader().getRevision() + 1);
        return all;
    }

    private GetResponse read() {
        return etcd.await(
                etcd.client()
                        .getKVClient()
                        .get(key(prefix), GetOption.builder().isPrefix(true).build()),
                READ_TIMEOUT);
    }

    private void watchFrom(long revision) {
        next = revision;
        final int mine = ++generation;
        watcher = etcd.client()
                .getWatchClient()
                .watch(
                        key(prefix),
                        WatchOption.builder()
                                .isPrefix(true)
                                .withRevision(revision)
                                // Created again after an error: the replica follows again.
                                .withCreateNotify(true)
                                .build(),
                        new Listener(mine));
    }

    private final class Listener implements Watch.Listener {

        private final int generation;
        private volatile @Nullable Throwable lastError;

        Listener(int generation) {
            this.generation = generation;
        }

        @Override
        public void onNext(WatchResponse response) {
            if (response.isCreatedNotify()) {
                etcd.caughtUp(prefix);
                endsInARow = 0;
                return;
            }
            final List<WatchEvent> events = response.getEvents();
            if (events.isEmpty()) {
                return;
            }
            requireNonNull(handler, "handler").events(events);
            next = events.get(events.size() - 1).getKeyValue().getModRevision() + 1;
        }

        @Override
        public void onError(Throwable cause) {
            lastError = cause;
            if (!closed) {
                etcd.behind(prefix);
                logger.debug("the watch of etcd's {} broke ({})", prefix, cause.toString());
            }
        }

        @Override
        public void onCompleted() {
            // jetcd gave the watch up (closing it ourselves is no end to act on).
            if (closed || generation != PrefixFollower.this.generation) {
                return;
            }
            etcd.behind(prefix);
            final boolean compacted = lastError instanceof CompactedException;
            if (compacted) {
                logger.warn(
                        "etcd compacted its history past revision {}, where this replica's watch of {} was: "
                                + "the changes in between are gone, so it reads the whole state again",
                        next,
                        prefix);
            } else {
                logger.warn(
                        "the watch of etcd's {} ended ({}): resuming it from revision {}",
                        prefix,
                        String.valueOf(lastError),
                        next);
            }
            // An end that repeats (a refusal that is not the network's) is tried again less and less often.
            final int ends = Math.min(endsInARow++, 5);
            final Duration delay = FIRST_RETRY.multipliedBy(1L << ends);
            restart(compacted, delay.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : delay);
        }
    }

    private void restart(boolean reload, Duration delay) {
        if (closed) {
            return;
        }
        try {
            restarts.schedule(
                    () -> {
                        if (closed) {
                            return;
                        }
                        try {
                            if (reload) {
                                final GetResponse all = read();
                                // What is about to be published is etcd's state now: no longer behind.
                                etcd.caughtUp(prefix);
                                requireNonNull(handler, "handler").reloaded(all);
                                logger.info(
                                        "read etcd's {} again at revision {}: this replica follows it again",
                                        prefix,
                                        all.getHeader().getRevision());
                                watchFrom(all.getHeader().getRevision() + 1);
                            } else {
                                watchFrom(next);
                            }
                        } catch (RuntimeException e) {
                            // etcd does not answer yet: try again, less and less often.
                            final Duration later = delay.multipliedBy(2);
                            restart(reload, later.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : later);
                        }
                    },
                    delay.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nothing to follow any more
        }
    }

    @Override
    public void close() {
        closed = true;
        restarts.shutdownNow();
        final Watch.@Nullable Watcher watcher = this.watcher;
        if (watcher != null) {
            watcher.close();
        }
        etcd.caughtUp(prefix);
    }
}
