package io.mesh4j.core.internal.summary;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.MeshScheduler;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.MetricsReportJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.state.LastKnownGood;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.internal.tap.TapReporter;

/**
 * Sends a member's {@link Summaries} to the registry every report interval, over its identity's mTLS client. One
 * reporter per identity and telemetry, however many mesh clients and servers share them, so that a member reports
 * its edges once. It runs on its own scheduler, never on a request's path; a refused or failed report is logged once
 * (then again once it works) and its counts are dropped: the member keeps serving, and Prometheus still has them.
 * It also runs the member's {@link TapReporter}, so that a member that reports also streams the taps of its service.
 */
public final class SummaryReporter {

    private static final Logger logger = LoggerFactory.getLogger(SummaryReporter.class);

    /** The most a report's body holds, under the registry's 64 KiB request limit. */
    static final int MAX_REPORT_BYTES = 48 * 1024;

    private static final Map<Attachment, SummaryReporter> running = new HashMap<>();

    private final String reporter = newReporterId();
    private final WorkloadIdentity identity;
    private final ServiceName member;
    private final Summaries summaries;
    private final RegistryClient registry;
    private final ScheduledFuture<?> schedule;
    private final TapReporter tapReporter;
    // Guarded by running.
    private int users;
    private volatile boolean failing;
    // Whether the last report said the member runs from its last-known-good state; only the scheduler touches it.
    private boolean lastKnownGoodSent;

    private record Attachment(WorkloadIdentity identity, Summaries summaries) {}

    private SummaryReporter(WorkloadIdentity identity, ServiceName member, Summaries summaries) {
        this.identity = identity;
        this.member = member;
        this.summaries = summaries;
        registry = IdentityAccess.REGISTRY_CLIENT.get(identity);
        final ScheduledExecutorService scheduler = MeshScheduler.get();
        final long millis = summaries.reportInterval().toMillis();
        schedule = scheduler.scheduleWithFixedDelay(this::report, millis, millis, TimeUnit.MILLISECONDS);
        // Tap rides on the same identity and lifetime: a member that reports its summaries also hears of taps.
        tapReporter = TapReporter.start(member, summaries.tap(), registry, scheduler, () -> identity.keyPair() != null);
    }

    /**
     * Starts reporting what {@code summaries} records for {@code identity}'s service, unless a reporter does already;
     * close the answer when the mesh client or server that asked stops. Nothing is reported when the summaries'
     * interval is zero or the identity names no service.
     */
    public static SafeCloseable attach(WorkloadIdentity identity, Summaries summaries) {
        final @Nullable ServiceName member = identity.id().service().orElse(null);
        if (member == null || summaries.reportInterval().isZero()) {
            return () -> {};
        }
        final Attachment key = new Attachment(identity, summaries);
        final SummaryReporter reporter;
        synchronized (running) {
            reporter = running.computeIfAbsent(key, k -> new SummaryReporter(identity, member, summaries));
            reporter.users++;
        }
        return new SafeCloseable() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (running) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    if (--reporter.users == 0) {
                        running.remove(key);
                        reporter.schedule.cancel(false);
                        reporter.tapReporter.close();
                    }
                }
            }
        };
    }

    /** Drains and sends: what fits in one report goes in it, the rest in more reports of this round. */
    void report() {
        try {
            if (identity.keyPair() == null) {
                // No certificate yet: the registry would not know who reports. Counts wait for the next round.
                return;
            }
            final List<EdgeSummary> drained = summaries.drain(member.value(), MetricsReportJson.MAX_ENTRIES * 4);
            final MetricsReportJson.@Nullable LastKnownGoodState lastKnownGood = lastKnownGood();
            // A member with no calls to report still says it runs from its last-known-good state, and once when it
            // no longer does, so that the registry does not keep showing the state it last heard.
            if (drained.isEmpty() && lastKnownGood == null && !lastKnownGoodSent) {
                return;
            }
            lastKnownGoodSent = lastKnownGood != null;
            final @Nullable Instant expiresAt = identity.expiresAt();
            final List<ObjectNode> batch = new ArrayList<>();
            int bytes = 0;
            for (EdgeSummary summary : drained) {
                final ObjectNode entry = MetricsReportJson.writeEntry(summary);
                final int size = MetricsReportJson.encodedSize(entry) + 1;
                if (!batch.isEmpty()
                        && (bytes + size > MAX_REPORT_BYTES || batch.size() == MetricsReportJson.MAX_ENTRIES)) {
                    send(MetricsReportJson.writeReport(reporter, expiresAt, lastKnownGood, batch));
                    batch.clear();
                    bytes = 0;
                }
                batch.add(entry);
                bytes += size;
            }
            send(MetricsReportJson.writeReport(reporter, expiresAt, lastKnownGood, batch));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** The last-known-good state the member runs from, from its identity's state directory; {@code null} if none. */
    private MetricsReportJson.@Nullable LastKnownGoodState lastKnownGood() {
        final @Nullable StateDir state = IdentityAccess.STATE.get(identity).stateDir();
        if (state == null) {
            return null;
        }
        final LastKnownGood status = state.status();
        final @Nullable Instant since = status.runningFrom();
        return since != null ? new MetricsReportJson.LastKnownGoodState(since, status.stale()) : null;
    }

    private void send(byte[] body) {
        registry.reportMetrics(member, body).whenComplete((unused, cause) -> {
            if (cause != null) {
                failed(cause);
            } else if (failing) {
                failing = false;
                logger.info("{}: reporting golden metrics to the registry again", member);
            }
        });
    }

    private void failed(Throwable cause) {
        if (!failing) {
            failing = true;
            logger.warn(
                    "{}: cannot report golden metrics to the registry ({}); the member keeps serving, drops these "
                            + "counts and tries again every {}",
                    member,
                    rootOf(cause),
                    Duration.ofMillis(summaries.reportInterval().toMillis()));
        } else {
            logger.debug("{}: golden metrics report failed again", member, cause);
        }
    }

    /** The innermost cause, which says what went wrong (a refused connection, a 403), without the wrappers. */
    private static String rootOf(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }

    private static String newReporterId() {
        final byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
