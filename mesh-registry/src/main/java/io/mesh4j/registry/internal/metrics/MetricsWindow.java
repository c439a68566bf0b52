package io.mesh4j.registry.internal.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.mesh4j.core.internal.registry.MetricsReportJson;
import io.mesh4j.core.internal.summary.EdgeSummary;
import io.mesh4j.core.internal.summary.Summaries;

/**
 * The members' reports of the last {@link #SPAN}, added up per {@link #RESOLUTION} slot in a ring: a report lands
 * in the slot of the moment it arrives, a query adds up the slots its window covers. Memory is bounded: at most
 * {@link #MAX_KEYS_PER_SLOT} edges per slot (past it a report's new edges are dropped and counted), and the slots
 * are reused as time moves on. Nothing is persisted: a restarted registry starts an empty window.
 */
final class MetricsWindow {

    static final Duration RESOLUTION = Duration.ofSeconds(10);
    static final Duration SPAN = Duration.ofMinutes(15);
    static final int MAX_KEYS_PER_SLOT = 10_000;
    private static final int SLOTS = (int) (SPAN.toMillis() / RESOLUTION.toMillis());

    private final Clock clock;
    // Guarded by this.
    private final Slot[] ring = new Slot[SLOTS];
    private final Map<String, ReportingMember> members = new HashMap<>();
    private long dropped;

    private static final class Slot {
        final long number;
        final Map<Summaries.Key, Totals> edges = new HashMap<>();

        Slot(long number) {
            this.number = number;
        }
    }

    MetricsWindow(Clock clock) {
        this.clock = clock;
    }

    /** Adds a report of {@code service}'s member, whose entries were checked to be its own. */
    synchronized void add(String service, MetricsReportJson.Report report) {
        final Instant now = clock.instant();
        final Slot slot = slot(now);
        for (EdgeSummary entry : report.entries()) {
            final Summaries.Key key = new Summaries.Key(entry.side(), entry.caller(), entry.service(), entry.route());
            Totals totals = slot.edges.get(key);
            if (totals == null) {
                if (slot.edges.size() >= MAX_KEYS_PER_SLOT) {
                    dropped++;
                    continue;
                }
                totals = new Totals();
                slot.edges.put(key, totals);
            }
            totals.add(entry);
        }
        members.put(
                service + '/' + report.reporter(),
                new ReportingMember(
                        service, report.reporter(), now, report.certificateExpiresAt(), report.lastKnownGood()));
        members.values().removeIf(member -> member.lastReport().isBefore(now.minus(SPAN)));
    }

    /** Every edge's totals over the last {@code window}, merged across slots. */
    synchronized Map<Summaries.Key, Totals> totals(Duration window) {
        final long newest = slotNumber(clock.instant());
        final long oldest = newest - Math.max(1, window.toMillis() / RESOLUTION.toMillis()) + 1;
        final Map<Summaries.Key, Totals> merged = new HashMap<>();
        for (Slot slot : ring) {
            if (slot == null || slot.number < oldest || slot.number > newest) {
                continue;
            }
            slot.edges.forEach((key, totals) ->
                    merged.computeIfAbsent(key, k -> new Totals()).add(totals));
        }
        return merged;
    }

    /** The members heard from in the last {@link #SPAN}. */
    synchronized List<ReportingMember> members() {
        final Instant now = clock.instant();
        members.values().removeIf(member -> member.lastReport().isBefore(now.minus(SPAN)));
        return new ArrayList<>(members.values());
    }

    /** Edges dropped because a slot held {@link #MAX_KEYS_PER_SLOT} already. */
    synchronized long dropped() {
        return dropped;
    }

    private Slot slot(Instant now) {
        final long number = slotNumber(now);
        final int index = (int) Math.floorMod(number, (long) SLOTS);
        Slot slot = ring[index];
        if (slot == null || slot.number != number) {
            slot = new Slot(number);
            ring[index] = slot;
        }
        return slot;
    }

    private static long slotNumber(Instant now) {
        return Math.floorDiv(now.toEpochMilli(), RESOLUTION.toMillis());
    }
}
