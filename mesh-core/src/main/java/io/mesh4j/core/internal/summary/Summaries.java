package io.mesh4j.core.internal.summary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.internal.tap.MemberTap;
import io.mesh4j.core.stack.StackParams;

/**
 * The edges a telemetry's meters have seen, each with its {@link EdgeCell}. A cell is looked up when its meter is
 * (once per series, not per request) and kept beside the meter, so that a request records into both with no lookup
 * of its own. Keys hold label values the telemetry has already guarded, so they are as bounded as its series; past
 * {@link #MAX_CELLS} every new edge shares one overflow cell per side.
 */
public final class Summaries {

    /** Who measured an edge. */
    public enum Side {
        /** The caller's mesh client: every attempt included, as the caller saw it. */
        CLIENT,
        /** The service's mesh server: as the service answered it. */
        SERVER
    }

    /** The route of what belongs to a whole edge, not to one of its routes (breaker ejections). */
    public static final String WHOLE_EDGE = "*";

    /** The route and caller of the overflow cells, once {@link #MAX_CELLS} edges are known. */
    public static final String OTHER = "other";

    /** The most edges one telemetry keeps a cell for. */
    public static final int MAX_CELLS = 2_000;

    /** How often members report by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    /**
     * The stack parameter naming the service a mesh client calls from (its identity's), for the edges it reports;
     * {@code unknown} for a client without an identity, which reports nothing.
     */
    public static final StackParams.Key<String> CALLER = StackParams.Key.of("caller", () -> "unknown");

    /** An edge, as seen from one side. */
    public record Key(Side side, String caller, String service, String route) {}

    private final Map<Key, EdgeCell> cells = new ConcurrentHashMap<>();
    private final Duration reportInterval;
    // What the member samples for the taps open on its service, sent by the same reporter as the summaries.
    private final MemberTap tap = new MemberTap();

    /**
     * @param reportInterval how often a member reports these, {@link Duration#ZERO} for never
     */
    public Summaries(Duration reportInterval) {
        this.reportInterval = reportInterval;
    }

    public Duration reportInterval() {
        return reportInterval;
    }

    /** The member's side of tap: the requests sampled for the taps open on its service, if any. */
    public MemberTap tap() {
        return tap;
    }

    /** The cell of an edge, made on first use. */
    public EdgeCell cell(Side side, String caller, String service, String route) {
        final Key key = new Key(side, caller, service, route);
        final @Nullable EdgeCell cell = cells.get(key);
        if (cell != null) {
            return cell;
        }
        if (cells.size() >= MAX_CELLS) {
            // Who owns the edge stays right (the member reports only its own edges): the caller on the client side,
            // the service on the server side.
            final Key overflow =
                    side == Side.CLIENT ? new Key(side, caller, OTHER, OTHER) : new Key(side, OTHER, service, OTHER);
            return cells.computeIfAbsent(overflow, EdgeCell::new);
        }
        return cells.computeIfAbsent(key, EdgeCell::new);
    }

    /**
     * Drains, and so resets, up to {@code max} cells that {@code member} owns and that recorded anything: the edges it
     * called as a client and those it served as a server. Cells past {@code max} keep their counts for the next call.
     */
    public List<EdgeSummary> drain(String member, int max) {
        final List<EdgeSummary> drained = new ArrayList<>();
        for (EdgeCell cell : cells.values()) {
            if (drained.size() >= max) {
                break;
            }
            final Key key = cell.key();
            final boolean owned = key.side() == Side.CLIENT
                    ? key.caller().equals(member)
                    : key.service().equals(member);
            if (!owned) {
                continue;
            }
            final @Nullable EdgeSummary summary = cell.drain();
            if (summary != null) {
                drained.add(summary);
            }
        }
        return drained;
    }
}
