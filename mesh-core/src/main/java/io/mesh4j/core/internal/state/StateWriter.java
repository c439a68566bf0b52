package io.mesh4j.core.internal.state;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the state files off the thread that received the registry's answer (an event loop must not wait for a
 * disk), one at a time, and only the latest content of each: ten answers for a service while a write is under way
 * make one more write, not ten.
 */
final class StateWriter {

    private static final Logger logger = LoggerFactory.getLogger(StateWriter.class);

    private record Pending(byte[] content, Instant savedAt) {}

    private final Executor executor;

    // Guarded by this.
    private final Map<Path, Pending> pending = new LinkedHashMap<>();
    private boolean draining;
    private boolean failing;

    StateWriter(Executor executor) {
        this.executor = executor;
    }

    void write(Path file, byte[] content, Instant savedAt) {
        synchronized (this) {
            pending.put(file, new Pending(content, savedAt));
            if (draining) {
                return;
            }
            draining = true;
        }
        executor.execute(this::drain);
    }

    private void drain() {
        while (true) {
            final Path file;
            final Pending next;
            synchronized (this) {
                final Iterator<Map.Entry<Path, Pending>> it = pending.entrySet().iterator();
                if (!it.hasNext()) {
                    draining = false;
                    notifyAll();
                    return;
                }
                final Map.Entry<Path, Pending> entry = it.next();
                it.remove();
                file = entry.getKey();
                next = entry.getValue();
            }
            try {
                StateFile.write(file, next.content(), next.savedAt());
                synchronized (this) {
                    if (failing) {
                        failing = false;
                        logger.info("writing the last-known-good state again ({})", file);
                    }
                }
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    if (!failing) {
                        failing = true;
                        // Once per failing spell: a full disk would otherwise log at every registry answer.
                        logger.warn(
                                "cannot write the last-known-good state file {} ({}); the member goes on, but a "
                                        + "restart while the registry is unreachable will start from older state",
                                file,
                                e.toString());
                    }
                }
            }
        }
    }

    /** Waits until every write asked for so far is done, at most {@code timeout}. */
    synchronized boolean flush(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (draining || !pending.isEmpty()) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
