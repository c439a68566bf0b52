package io.mesh4j.registry.internal.instances;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;

import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * One service at one index, as every read and every watch of that index answers it. One change can wake a
 * thousand watches: building the instance list (which validates every field of every instance) and writing its
 * JSON once here, on first use, instead of once per watch, keeps a change's cost O(instances) rather than
 * O(watches × instances). Nothing is built for an index nobody reads.
 */
public final class ServiceSnapshot {

    static final ServiceSnapshot UNKNOWN = new ServiceSnapshot(ServiceState.UNKNOWN, InstanceHistory.EMPTY);

    private final ServiceState state;
    private final InstanceHistory history;
    private @Nullable InstancesSnapshot instances;
    private byte @Nullable [] json;
    private byte @Nullable [] fullChangesJson;
    // The last incremental answer written, by the index it starts from: the watches one change wakes nearly all
    // held the index just before it, so they share this one.
    private long changesSince = -1;
    private byte @Nullable [] changesJson;
    // The same answers as lines of a watch stream (the JSON and a newline), made only when a stream asks.
    private byte @Nullable [] fullChangesLine;
    private byte @Nullable [] lineOf;
    private byte @Nullable [] changesLine;

    ServiceSnapshot(ServiceState state, InstanceHistory history) {
        this.state = requireNonNull(state, "state");
        this.history = requireNonNull(history, "history");
    }

    /** The snapshot that follows this one once the service is {@code next}, with the history that leads to it. */
    ServiceSnapshot next(ServiceState next) {
        return new ServiceSnapshot(next, history.next(state, next));
    }

    public long index() {
        return state.index();
    }

    ServiceState state() {
        return state;
    }

    /** The index and the instances, sorted by id; built by the first caller, shared with the others. */
    public synchronized InstancesSnapshot instances() {
        if (instances == null) {
            instances = state.toSnapshot();
        }
        return instances;
    }

    /**
     * The watch answer's body, {@code {"index": N, "instances": [...]}}; written by the first caller, and the same
     * bytes for every other. A fresh {@link HttpData} each call, so no response shares one with another.
     */
    public HttpData json() {
        return HttpData.wrap(jsonBytes());
    }

    private synchronized byte[] jsonBytes() {
        if (json == null) {
            json = RegistryJson.writeSnapshot(instances());
        }
        return json;
    }

    /**
     * The incremental watch answer for a watcher at {@code since}: what changed since, or the full list, marked so,
     * when the history does not reach back that far. Written once per starting index and shared.
     */
    public HttpData changesJson(long since) {
        return HttpData.wrap(changesBytes(since));
    }

    private synchronized byte[] changesBytes(long since) {
        if (changesJson != null && changesSince == since) {
            return changesJson;
        }
        final @Nullable InstancesChanges changes = since < 0 ? null : history.since(since, state.index());
        if (changes == null) {
            if (fullChangesJson == null) {
                fullChangesJson = RegistryJson.writeChanges(InstancesChanges.full(instances()));
            }
            return fullChangesJson;
        }
        changesSince = since;
        changesJson = RegistryJson.writeChanges(changes);
        return changesJson;
    }

    /**
     * The event a watch stream writes for a watcher at {@code since}: the same bytes as {@link #changesJson(long)}
     * and a newline (one JSON object a line), made once per starting index and shared by every stream.
     */
    public HttpData changesLine(long since) {
        return HttpData.wrap(changesLineBytes(since));
    }

    private synchronized byte[] changesLineBytes(long since) {
        final byte[] json = changesBytes(since);
        if (json == fullChangesJson) {
            if (fullChangesLine == null) {
                fullChangesLine = withNewline(json);
            }
            return fullChangesLine;
        }
        if (lineOf != json) {
            lineOf = json;
            changesLine = withNewline(json);
        }
        return requireNonNull(changesLine, "changesLine");
    }

    private static byte[] withNewline(byte[] json) {
        final byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    @Override
    public String toString() {
        return "ServiceSnapshot(index=" + state.index() + ", instances="
                + state.instances().size() + ')';
    }
}
