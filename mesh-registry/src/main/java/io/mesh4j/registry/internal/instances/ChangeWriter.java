package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.RegistryStore;

/**
 * The only code that changes the registry, on one thread, in one order for every change: take the next index,
 * append to the store (durable), apply to memory (leases, then the published state), answer, wake the watches.
 * So no one ever sees, or is told about, a change that a crash could still lose.
 *
 * <p>The watches are woken after the changes are answered, so a change's answer does not wait for its watchers,
 * however many there are. Waking them is cheap here: one task per event loop ({@link HeldChange#wake}), and each
 * answer is the service's {@link ServiceSnapshot}, built and serialized once by whoever reads it first, and sent
 * from the watch's own event loop.
 *
 * <p>Commands that arrive while a batch is being written wait in a queue and go together into the next batch,
 * under one fsync (group commit).
 */
final class ChangeWriter {

    private static final Logger logger = LoggerFactory.getLogger(ChangeWriter.class);

    /** Bounds one batch, so that one fsync never waits on an unbounded amount of writing. */
    private static final int MAX_BATCH = 1024;

    private final RegistryStore store;
    private final ServiceEntries entries;
    private final Leases leases;
    private final Ticker ticker;
    private final Executor thread;
    private final Queue<Command> queue = new ConcurrentLinkedQueue<>();
    private long lastIndex;
    private volatile @Nullable String refusal;

    ChangeWriter(
            RegistryStore store,
            ServiceEntries entries,
            Leases leases,
            Ticker ticker,
            Executor thread,
            long lastIndex) {
        this.store = store;
        this.entries = entries;
        this.leases = leases;
        this.ticker = ticker;
        this.thread = thread;
        this.lastIndex = lastIndex;
    }

    /** Why changes are refused, or {@code null} while they are accepted. */
    @Nullable
    String refusal() {
        return refusal;
    }

    void submit(Command command) {
        final @Nullable String refused = refusal;
        if (refused != null) {
            command.fail(new RegistryUnavailableException(refused));
            return;
        }
        queue.add(command);
        try {
            // One pass per command, so that every command is taken by some pass; a pass may take many.
            thread.execute(this::writeBatch);
        } catch (RejectedExecutionException e) {
            if (queue.remove(command)) {
                command.fail(new RegistryUnavailableException(
                        "the registry is stopping; try another one, or " + "again once it is back"));
            }
        }
    }

    private void writeBatch() {
        final List<Command> commands = new ArrayList<>();
        for (Command command; commands.size() < MAX_BATCH && (command = queue.poll()) != null; ) {
            commands.add(command);
        }
        if (commands.isEmpty()) {
            return;
        }
        try {
            write(commands);
        } catch (RuntimeException | Error e) {
            logger.error("the registry's writer failed on a batch of {} commands", commands.size(), e);
            commands.forEach(command -> command.fail(e));
        }
    }

    private void write(List<Command> commands) {
        final @Nullable String refused = refusal;
        if (refused != null) {
            commands.forEach(command -> command.fail(new RegistryUnavailableException(refused)));
            return;
        }
        final long now = ticker.read();
        final Batch batch = new Batch(entries, lastIndex);
        commands.forEach(command -> decide(command, batch, now));
        try {
            store.append(batch.changes());
        } catch (Exception e) {
            final String why = "the registry could not write to its store (" + e.getMessage() + ") and refuses "
                    + "changes until it is restarted";
            refusal = why;
            logger.error("{}: {}", store, why, e);
            commands.forEach(command -> command.fail(new RegistryUnavailableException(why)));
            return;
        }
        final List<HeldChange> woken = apply(batch, now);
        lastIndex = batch.lastIndex();
        try {
            batch.sendAnswers();
        } finally {
            // Taken off the service's entries by the publish: a watch not completed here would hold to its end.
            HeldChange.wake(woken);
        }
    }

    private void decide(Command command, Batch batch, long now) {
        if (command instanceof Command.Register register) {
            decideRegister(register, batch, now);
        } else if (command instanceof Command.Deregister deregister) {
            if (batch.current(deregister.key()) == null) {
                batch.answer(() -> deregister.result().complete(OptionalLong.empty()));
            } else {
                final long index = batch.remove(deregister.key(), Change.Reason.DEREGISTERED);
                batch.answer(() -> deregister.result().complete(OptionalLong.of(index)));
            }
        } else {
            final Command.Sweep sweep = (Command.Sweep) command;
            final int[] expired = {0};
            leases.forEach((key, lease) -> {
                // A lease ended here stays ended: a heartbeat racing this expiry answers 404, not 200.
                if (!batch.touched(key) && lease.endIfDue(now)) {
                    batch.remove(key, Change.Reason.EXPIRED);
                    expired[0]++;
                }
            });
            batch.answer(() -> sweep.result().complete(expired[0]));
        }
    }

    private void decideRegister(Command.Register register, Batch batch, long now) {
        final InstanceKey key = register.key();
        if (register.registration().equals(batch.current(key)) && (batch.touched(key) || renew(key, now))) {
            // The same registration again: a renewal only, with no new index, no write and no wake-up.
            final long index = batch.serviceIndex(key.service());
            batch.answer(() -> register.result().complete(index));
            return;
        }
        final long index = batch.put(key, register.registration());
        batch.answer(() -> register.result().complete(index));
    }

    private boolean renew(InstanceKey key, long now) {
        final @Nullable Lease lease = leases.get(key);
        return lease != null && lease.renew(now);
    }

    /** Applies the batch to memory and returns the watches its changes woke. */
    private List<HeldChange> apply(Batch batch, long now) {
        for (Change change : batch.changes()) {
            final InstanceKey key = new InstanceKey(change.service(), change.id());
            if (change instanceof Change.Put put) {
                leases.start(key, put.registration().ttl(), now);
                logger.debug(
                        "registered {} at {}:{} (index {})",
                        key,
                        put.registration().host(),
                        put.registration().port(),
                        change.index());
                continue;
            }
            final @Nullable Lease lease = leases.remove(key);
            if (((Change.Remove) change).reason() == Change.Reason.EXPIRED) {
                logger.info(
                        "expired {}: no heartbeat within its TTL of {}s (index {})",
                        key,
                        lease == null ? "?" : lease.ttl().toSeconds(),
                        change.index());
            } else {
                logger.debug("deregistered {} (index {})", key, change.index());
            }
        }
        final List<HeldChange> woken = new ArrayList<>();
        batch.changedServices().forEach((service, state) -> woken.addAll(entries.publish(service, state)));
        return woken;
    }
}
