package io.mesh4j.benchmarks.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.load.Bounded;
import io.mesh4j.benchmarks.load.Histograms;
import io.mesh4j.benchmarks.process.Jcmd;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.profile.JfrRecording;
import io.mesh4j.benchmarks.report.Progress;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * One configuration of the registry benchmark, on a registry of its own: fill it with {@code instances}
 * instances of one service (the registration throughput, and the memory they take), attach {@code watchers}
 * watchers of that service, change one instance at a time and time how long until every watcher has the change,
 * then heartbeat every instance (the heartbeat throughput), as members of the service do: with their certificates,
 * each member over one HTTP/2 connection, heartbeating the instances it stands for in turn ({@link HeartbeatFleet}),
 * or, with {@code --heartbeat-as operator}, with the admin token, audited.
 */
final class PropagationRun {

    static final String SERVICE = "watched";

    /** What one configuration measured. */
    record Result(
            int watchers,
            int instances,
            int changes,
            int unseen,
            Histogram allSeen,
            Histogram eachSeen,
            Histogram putAck,
            double registrationsPerSecond,
            double heartbeatsPerSecond,
            Heartbeats heartbeats,
            long liveHeapPerThousand,
            long rssPerThousand,
            long bytesPerAnswer,
            double registryCpuPerChange,
            double watcherCpuPerChange,
            int warmupChanges,
            String slowest,
            String profile) {}

    /**
     * What the heartbeats cost, counted: who sent them, and per heartbeat the CPU of the replica they went to, of the
     * etcd members (0 on the file store), of this process (the members' TLS clients, beside the idle watchers), and
     * etcd's lease keep-alives (-1 on the file store).
     */
    record Heartbeats(
            int members,
            int inFlightPerMember,
            double replicaCpuMicros,
            double etcdCpuMicros,
            double generatorCpuMicros,
            double keepAlivesPerHeartbeat) {}

    /** The settings every configuration shares. */
    record Settings(
            int changes,
            int warmupChanges,
            Duration budget,
            Duration pause,
            Duration heartbeats,
            long warmupHeartbeats,
            int writeConcurrency,
            int warmupWrites,
            int profileFromWatchers,
            List<String> registryFlags,
            boolean incremental,
            RegistryUnderTest.Store store,
            boolean heartbeatAsOperator,
            int heartbeatMembers,
            @Nullable Integer leaseSlack,
            Watcher.Mode watchMode,
            boolean http2) {}

    private final Settings settings;
    private final Progress progress;

    PropagationRun(Settings settings, Progress progress) {
        this.settings = settings;
        this.progress = progress;
    }

    Result run(Path dir, int watcherCount, int instanceCount) throws Exception {
        Files.createDirectories(dir);
        try (RegistryUnderTest underTest =
                RegistryUnderTest.start(dir, settings.store(), settings.registryFlags(), settings.leaseSlack())) {
            final RegistryProcess registry = underTest.writer();
            final RegistryProcess watched = underTest.watched();
            final RegistryClient admin = registry.admin();
            final ServiceName service = ServiceName.of(SERVICE);
            warmUp(admin, watcherCount, instanceCount);
            final long heapBefore = Jcmd.liveHeapBytes(registry.pid());
            final long rssBefore = ProcessStats.rssBytes(registry.pid());
            progress.say(String.format(
                    "%,d watchers × %,d instances: registering the instances", watcherCount, instanceCount));
            final Bounded.Outcome registered = Bounded.times(
                    instanceCount,
                    settings.writeConcurrency(),
                    i -> admin.register(service, instanceId(i), registration(i, 100)));
            checkNoFailures("registrations", registered);
            final long perThousandHeap = (Jcmd.liveHeapBytes(registry.pid()) - heapBefore) * 1000 / instanceCount;
            final long perThousandRss = (ProcessStats.rssBytes(registry.pid()) - rssBefore) * 1000 / instanceCount;
            long index = admin.instances(service).join().index();

            progress.say(
                    String.format("%,d watchers × %,d instances: attaching the watchers", watcherCount, instanceCount));
            final String adminToken =
                    Files.readString(watched.dataDir().resolve("admin.token")).strip();
            try (Watchers watchers = Watchers.start(
                    watched.uri(),
                    watched.trustBundle(),
                    adminToken,
                    SERVICE,
                    watcherCount,
                    settings.incremental(),
                    settings.watchMode(),
                    settings.http2())) {
                awaitAll(watchers, index, Duration.ofSeconds(120));
                // Every watcher has had its first answer; give the last ones time to ask again and be held.
                Thread.sleep(500);

                // Changes that are made and awaited but not timed: the first changes after start-up run the
                // fan-out's code (the registry's, over etcd its feed's, and the watchers' own line reading) cold, in
                // the interpreter and through class loading, and would be the slowest of the run. A registry that
                // serves a mesh has long been past them.
                int made = 0;
                final SlowChanges slowChanges = new SlowChanges();
                slowChanges.warmingUp(settings.warmupChanges());
                for (int w = 0; w < settings.warmupChanges(); w++) {
                    watchers.expect(index + 1);
                    index = admin.register(service, instanceId(0), registration(0, 1 + made++ % 100))
                            .join();
                    if (!awaitAll(watchers, index, Duration.ofSeconds(60))) {
                        throw new IllegalStateException("warm-up change " + (w + 1) + " (index " + index
                                + ") did not reach every watcher in 60 s; see the registry's log");
                    }
                    Thread.sleep(settings.pause().toMillis());
                }

                final Histogram allSeen = Histograms.newHistogram();
                final Histogram eachSeen = Histograms.newHistogram();
                final Histogram putAck = Histograms.newHistogram();
                final long answersBefore = watchers.answers();
                final long bytesBefore = watchers.bodyBytes();
                final long registryCpuBefore = cpuNanos(underTest.pids());
                final long ownCpuBefore =
                        ProcessStats.cpu(ProcessHandle.current().pid()).toNanos();
                // Profiled only where asked: a recording costs the recorded process a little CPU.
                final boolean profiled =
                        settings.profileFromWatchers() > 0 && watcherCount >= settings.profileFromWatchers();
                final @Nullable JfrRecording registryRecording =
                        profiled ? JfrRecording.start(registry.pid(), dir.resolve("registry.jfr")) : null;
                // Over etcd the fan-out is the watched replica's work, the PUT the writer's: both are recorded.
                final @Nullable JfrRecording watchedRecording = profiled && watched != registry
                        ? JfrRecording.start(watched.pid(), dir.resolve("watched-registry.jfr"))
                        : null;
                final @Nullable JfrRecording watchersRecording = profiled
                        ? JfrRecording.start(ProcessHandle.current().pid(), dir.resolve("watchers.jfr"))
                        : null;
                final long end = System.nanoTime() + settings.budget().toNanos();
                int changes = 0;
                int unseen = 0;
                while (changes < settings.changes() && System.nanoTime() < end) {
                    watchers.expect(index + 1);
                    slowChanges.starting();
                    final long start = System.nanoTime();
                    index = admin.register(service, instanceId(0), registration(0, 1 + made++ % 100))
                            .join();
                    Histograms.record(putAck, System.nanoTime() - start);
                    final boolean all = awaitAll(watchers, index, Duration.ofSeconds(60));
                    long slowest = 0;
                    for (long seenAt : watchers.seenAt()) {
                        if (seenAt != 0) {
                            Histograms.record(eachSeen, seenAt - start);
                            slowest = Math.max(slowest, seenAt - start);
                        } else {
                            unseen++;
                        }
                    }
                    if (all) {
                        Histograms.record(allSeen, slowest);
                        slowChanges.took(slowest);
                    }
                    changes++;
                    Thread.sleep(settings.pause().toMillis());
                }
                slowChanges.ended();
                final double registryCpu = (cpuNanos(underTest.pids()) - registryCpuBefore) / 1e9;
                final String where =
                        String.format("%,d watchers × %,d instances, during the changes", watcherCount, instanceCount);
                final String profile = (registryRecording != null
                                ? registryRecording
                                                .stop()
                                                .summary((watchedRecording != null
                                                                ? "registry written to, "
                                                                : "registry, ")
                                                        + where)
                                        + '\n'
                                : "")
                        + (watchedRecording != null
                                ? watchedRecording.stop().summary("registry watched, " + where) + '\n'
                                : "")
                        + (watchersRecording != null
                                ? watchersRecording.stop().summary("the watchers' and writer's process, " + where)
                                        + '\n'
                                : "");
                final double ownCpu =
                        (ProcessStats.cpu(ProcessHandle.current().pid()).toNanos() - ownCpuBefore) / 1e9;
                final long answers = Math.max(1, watchers.answers() - answersBefore);
                final long bytesPerAnswer = (watchers.bodyBytes() - bytesBefore) / answers;
                progress.say(String.format(
                        "%,d watchers × %,d instances: %d changes, all seen after %.1f ms p50, " + "%.1f ms max",
                        watcherCount,
                        instanceCount,
                        changes,
                        allSeen.getValueAtPercentile(50) / 1e6,
                        allSeen.getMaxValue() / 1e6));
                final String slowest = slowChanges.describe(underTest.watchedGcLog());
                progress.say(String.format(
                        "%,d watchers × %,d instances: slowest changes %s", watcherCount, instanceCount, slowest));

                final Bounded.Outcome heartbeats;
                final Heartbeats heartbeatCosts;
                String heartbeatProfile = "";
                final int memberCount;
                final int inFlightPerMember;
                final List<WorkloadIdentity> members = new ArrayList<>();
                try {
                    final HeartbeatCounters counters;
                    if (settings.heartbeatAsOperator()) {
                        // The operator's heartbeats: each written to the audit log (fsync'd) before it is answered.
                        memberCount = 0;
                        inFlightPerMember = settings.writeConcurrency();
                        warmUpHeartbeats(
                                underTest,
                                watcherCount,
                                instanceCount,
                                "the operator",
                                () -> Bounded.times(
                                        settings.warmupHeartbeats(),
                                        settings.writeConcurrency(),
                                        i -> admin.heartbeat(service, instanceId(i % instanceCount))
                                                .thenApply(known -> requireKnown(known, i))));
                        counters = HeartbeatCounters.start(underTest);
                        heartbeats = heartbeat(admin, service, instanceCount);
                    } else {
                        // As the members of a service heartbeat: each with its own certificate, over the one HTTP/2
                        // connection its WorkloadIdentity's RegistryClient keeps to the registry, heartbeating the
                        // instances it stands for in turn. The registry serves them on its event loops as it serves
                        // a mesh, not all on the one loop of a single connection.
                        memberCount = Math.min(settings.heartbeatMembers(), instanceCount);
                        inFlightPerMember = Math.max(1, settings.writeConcurrency() / memberCount);
                        progress.say(String.format(
                                "%,d watchers × %,d instances: %,d members join to heartbeat",
                                watcherCount, instanceCount, memberCount));
                        final List<RegistryClient> clients = new ArrayList<>();
                        for (int m = 0; m < memberCount; m++) {
                            members.add(member(registry, dir.resolve("member-" + m + ".token")));
                            clients.add(IdentityAccess.REGISTRY_CLIENT.get(members.get(m)));
                        }
                        final HeartbeatFleet fleet = new HeartbeatFleet(
                                clients, service, instanceCount, inFlightPerMember, PropagationRun::instanceId);
                        // Untimed heartbeats first, over the same connections: the replica is a new process, and
                        // until its heartbeat path is compiled a heartbeat costs it several times what it costs
                        // warm (BENCHMARKS.md, "Where a heartbeat's CPU goes"). A registry serves heartbeats for
                        // its whole life; the first seconds after its start are not what bounds it.
                        warmUpHeartbeats(
                                underTest,
                                watcherCount,
                                instanceCount,
                                memberCount + " members",
                                () -> fleet.run(
                                        Duration.ofMinutes(5), Math.max(settings.warmupHeartbeats(), memberCount)));
                        // Profiled where the changes were: the replica and this process (the members' clients).
                        final @Nullable JfrRecording replicaProfile = profiled
                                ? JfrRecording.start(registry.pid(), dir.resolve("registry-heartbeats.jfr"))
                                : null;
                        final @Nullable JfrRecording fleetProfile = profiled
                                ? JfrRecording.start(
                                        ProcessHandle.current().pid(), dir.resolve("members-heartbeats.jfr"))
                                : null;
                        counters = HeartbeatCounters.start(underTest);
                        heartbeats = fleet.run(settings.heartbeats());
                        final String during = String.format(
                                "%,d watchers × %,d instances, during the members' heartbeats",
                                watcherCount, instanceCount);
                        if (replicaProfile != null) {
                            heartbeatProfile += replicaProfile.stop().summary("the replica, " + during) + '\n';
                        }
                        if (fleetProfile != null) {
                            heartbeatProfile += fleetProfile.stop().summary("the members' process, " + during) + '\n';
                        }
                    }
                    heartbeatCosts = counters.stop(heartbeats.completed(), memberCount, inFlightPerMember);
                } finally {
                    members.forEach(WorkloadIdentity::close);
                }
                checkNoFailures("heartbeats", heartbeats);
                progress.say(String.format(
                        "%,d watchers × %,d instances: %,.0f heartbeats/s from %s; per heartbeat: replica %.0f µs, "
                                + "etcd %.0f µs, load generator %.0f µs of CPU, %s etcd keep-alives",
                        watcherCount,
                        instanceCount,
                        heartbeats.perSecond(),
                        memberCount == 0
                                ? "the operator"
                                : memberCount + " members, " + inFlightPerMember + " in flight each",
                        heartbeatCosts.replicaCpuMicros(),
                        heartbeatCosts.etcdCpuMicros(),
                        heartbeatCosts.generatorCpuMicros(),
                        heartbeatCosts.keepAlivesPerHeartbeat() < 0
                                ? "no"
                                : String.format("%.2f", heartbeatCosts.keepAlivesPerHeartbeat())));
                return new Result(
                        watcherCount,
                        instanceCount,
                        changes,
                        unseen,
                        allSeen,
                        eachSeen,
                        putAck,
                        registered.perSecond(),
                        heartbeats.perSecond(),
                        heartbeatCosts,
                        perThousandHeap,
                        perThousandRss,
                        bytesPerAnswer,
                        registryCpu / Math.max(1, changes),
                        ownCpu / Math.max(1, changes),
                        settings.warmupChanges(),
                        slowest,
                        profile + heartbeatProfile);
            }
        }
    }

    /**
     * Registers and deregisters instances of another service before anything is measured, so that the registry's
     * write and read paths are compiled and its connection to this process is open: a fresh JVM is several times
     * slower for its first few thousand requests.
     */
    private void warmUp(RegistryClient admin, int watcherCount, int instanceCount) {
        progress.say(
                String.format("%,d watchers × %,d instances: warming the registry up", watcherCount, instanceCount));
        final ServiceName warmup = ServiceName.of("warmup");
        final Bounded.Outcome registered = Bounded.times(
                settings.warmupWrites(),
                settings.writeConcurrency(),
                i -> admin.register(warmup, instanceId(i), registration(i, 100)));
        checkNoFailures("warm-up registrations", registered);
        Bounded.during(Duration.ofSeconds(1), settings.writeConcurrency(), i -> admin.instances(warmup));
        checkNoFailures(
                "warm-up deregistrations",
                Bounded.times(
                        settings.warmupWrites(),
                        settings.writeConcurrency(),
                        i -> admin.deregister(warmup, instanceId(i))));
    }

    /**
     * Sends the untimed heartbeats {@code warmUp} sends, and says what they cost the replica and this process, for
     * comparison with the timed ones.
     */
    private void warmUpHeartbeats(
            RegistryUnderTest underTest,
            int watcherCount,
            int instanceCount,
            String senders,
            Supplier<Bounded.Outcome> warmUp) {
        final HeartbeatCounters counters = HeartbeatCounters.start(underTest);
        final Bounded.Outcome outcome = warmUp.get();
        checkNoFailures("warm-up heartbeats", outcome);
        final Heartbeats cost = counters.stop(outcome.completed(), 0, 0);
        progress.say(String.format(
                "%,d watchers × %,d instances: %,d untimed heartbeats from %s to warm up, %,.0f/s; per heartbeat: "
                        + "replica %.0f µs, load generator %.0f µs of CPU",
                watcherCount,
                instanceCount,
                outcome.completed(),
                senders,
                outcome.perSecond(),
                cost.replicaCpuMicros(),
                cost.generatorCpuMicros()));
    }

    /** CPU and keep-alive counts at the start of the heartbeats, to take the heartbeats' share from. */
    private record HeartbeatCounters(
            RegistryUnderTest underTest, long replicaCpu, long allCpu, long ownCpu, long keepAlives) {

        static HeartbeatCounters start(RegistryUnderTest underTest) {
            return new HeartbeatCounters(
                    underTest,
                    ProcessStats.cpu(underTest.writer().pid()).toNanos(),
                    cpuNanos(underTest.etcdPids()),
                    ProcessStats.cpu(ProcessHandle.current().pid()).toNanos(),
                    underTest.leaseRenewals());
        }

        Heartbeats stop(long heartbeats, int members, int inFlightPerMember) {
            final double n = Math.max(1, heartbeats);
            final long keepAlives = underTest.leaseRenewals();
            return new Heartbeats(
                    members,
                    inFlightPerMember,
                    (ProcessStats.cpu(underTest.writer().pid()).toNanos() - replicaCpu) / n / 1e3,
                    (cpuNanos(underTest.etcdPids()) - allCpu) / n / 1e3,
                    (ProcessStats.cpu(ProcessHandle.current().pid()).toNanos() - ownCpu) / n / 1e3,
                    keepAlives < 0 || this.keepAlives < 0 ? -1 : (keepAlives - this.keepAlives) / n);
        }
    }

    /** The CPU time the registry's processes (replicas and etcd members, over etcd) have used, added up. */
    private static long cpuNanos(List<Long> pids) {
        long nanos = 0;
        for (long pid : pids) {
            nanos += ProcessStats.cpu(pid).toNanos();
        }
        return nanos;
    }

    private Bounded.Outcome heartbeat(RegistryClient client, ServiceName service, int instanceCount) {
        return Bounded.during(
                settings.heartbeats(),
                settings.writeConcurrency(),
                i -> client.heartbeat(service, instanceId(i % instanceCount))
                        .thenApply(known -> requireKnown(known, i)));
    }

    /** A workload of the watched service, joined with a join token (written to {@code tokenFile}) as a member joins. */
    private static WorkloadIdentity member(RegistryProcess registry, Path tokenFile) {
        final WorkloadIdentity member = WorkloadIdentity.builder(registry.uri(), SERVICE)
                .joinTokenFile(registry.joinTokenFile(SERVICE, tokenFile))
                .trustBundleFile(registry.trustBundle())
                .build();
        try {
            return member.start().join();
        } catch (RuntimeException e) {
            member.close();
            throw e;
        }
    }

    private static InstanceId instanceId(long i) {
        return InstanceId.of(String.format("instance-%05d", i));
    }

    /** A registration as a real instance makes it: its own address, a zone, a version label. */
    private static Registration registration(long i, int weight) {
        return Registration.builder(String.format("10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255), 8080)
                .zone("zone-" + i % 3)
                .weight(weight)
                .metadata(Map.of("version", "v1"))
                .ttl(Duration.ofHours(1))
                .build();
    }

    private static Object requireKnown(boolean known, long i) {
        if (!known) {
            throw new IllegalStateException("heartbeat " + i + ": the registry no longer knows the instance");
        }
        return known;
    }

    private static boolean awaitAll(Watchers watchers, long index, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!watchers.allAt(index)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    private static void checkNoFailures(String what, Bounded.Outcome outcome) {
        if (outcome.failed() > 0) {
            throw new IllegalStateException(
                    outcome.failed() + " of " + outcome.completed() + ' ' + what + " failed; see the registry's log");
        }
    }
}
