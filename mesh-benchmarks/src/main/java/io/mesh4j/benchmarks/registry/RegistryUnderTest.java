package io.mesh4j.benchmarks.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.process.EtcdCluster;
import io.mesh4j.benchmarks.process.RegistryProcess;

/**
 * The registry one configuration measures: one process over its file store, or two replicas over a 3-member etcd
 * started for it (as README's "Run the registry replicated" runs them). Changes and heartbeats go to the
 * {@linkplain #writer writer}; the watchers watch the {@linkplain #watched other replica}, so that over etcd a
 * change is timed from its PUT on one replica, through etcd, to the last watcher of the other.
 */
final class RegistryUnderTest implements AutoCloseable {

    /** Where the registry keeps its data. */
    enum Store {
        file,
        etcd
    }

    private final RegistryProcess writer;
    private final RegistryProcess watched;
    private final @Nullable EtcdCluster etcd;
    private final Path watchedGcLog;
    private final List<AutoCloseable> toClose;

    private RegistryUnderTest(
            RegistryProcess writer,
            RegistryProcess watched,
            @Nullable EtcdCluster etcd,
            Path watchedGcLog,
            List<AutoCloseable> toClose) {
        this.writer = writer;
        this.watched = watched;
        this.etcd = etcd;
        this.watchedGcLog = watchedGcLog;
        this.toClose = toClose;
    }

    /**
     * The registry's flags with its collector's pauses and its JIT compilations logged to {@code gcLog}, so
     * that a slow change can be matched with what overlapped it ({@link SlowChanges}). A line per pause or method.
     */
    private static List<String> withGcLog(List<String> registryFlags, Path gcLog) {
        final List<String> flags = new ArrayList<>(registryFlags);
        flags.add(SlowChanges.logFlag(gcLog));
        return flags;
    }

    /** @param leaseSlack the replicas' {@code --lease-slack} over etcd, or null for the registry's default */
    static RegistryUnderTest start(Path dir, Store store, List<String> registryFlags, @Nullable Integer leaseSlack)
            throws IOException {
        final List<AutoCloseable> toClose = new ArrayList<>();
        try {
            if (store == Store.file) {
                final Path gcLog = dir.resolve("registry-vm.log");
                final RegistryProcess registry = RegistryProcess.start(dir, withGcLog(registryFlags, gcLog));
                toClose.add(registry);
                return new RegistryUnderTest(registry, registry, null, gcLog, toClose);
            }
            final EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"));
            toClose.add(etcd);
            final List<String> listen =
                    new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--etcd", etcd.endpointsFlag()));
            if (leaseSlack != null) {
                listen.addAll(List.of("--lease-slack", leaseSlack.toString()));
            }
            final RegistryProcess a =
                    RegistryProcess.start(Files.createDirectories(dir.resolve("a")), List.of(), registryFlags, listen);
            toClose.add(a);
            // B issues under A's root, as every replica of one mesh must.
            final List<String> withRoot = new ArrayList<>(listen);
            final Path ca = dir.resolve("a").resolve("registry").resolve("ca");
            withRoot.addAll(List.of(
                    "--ca-cert",
                    ca.resolve("root-1.crt").toString(),
                    "--ca-key",
                    ca.resolve("root-1.key").toString()));
            final Path gcLog = dir.resolve("b").resolve("registry-vm.log");
            final RegistryProcess b = RegistryProcess.start(
                    Files.createDirectories(dir.resolve("b")), List.of(), withGcLog(registryFlags, gcLog), withRoot);
            toClose.add(b);
            return new RegistryUnderTest(a, b, etcd, gcLog, toClose);
        } catch (RuntimeException | IOException e) {
            close(toClose);
            throw e;
        }
    }

    /** Where changes, registrations and heartbeats are sent. */
    RegistryProcess writer() {
        return writer;
    }

    /** Where the watchers watch: the writer itself, or the other replica. */
    RegistryProcess watched() {
        return watched;
    }

    /** The watched registry's log of its collector's pauses and its compilations ({@link SlowChanges#logFlag}). */
    Path watchedGcLog() {
        return watchedGcLog;
    }

    /** etcd's count of lease keep-alives renewed, or -1 on the file store (or if a member did not answer). */
    long leaseRenewals() {
        return etcd != null ? etcd.leaseRenewals() : -1;
    }

    /** The etcd members' processes; none on the file store. */
    List<Long> etcdPids() {
        return etcd != null ? etcd.pids() : List.of();
    }

    /** Every process that serves the registry's part, registries and etcd members: whose CPU a change costs. */
    List<Long> pids() {
        final List<Long> pids = new ArrayList<>();
        pids.add(writer.pid());
        if (watched != writer) {
            pids.add(watched.pid());
        }
        if (etcd != null) {
            pids.addAll(etcd.pids());
        }
        return pids;
    }

    @Override
    public void close() {
        close(toClose);
    }

    private static void close(List<AutoCloseable> toClose) {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }
}
