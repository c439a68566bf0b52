package io.mesh4j.registry.internal.instances;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;

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

    static final ServiceSnapshot UNKNOWN = new ServiceSnapshot(ServiceState.UNKNOWN);

    private final ServiceState state;
    private @Nullable InstancesSnapshot instances;
    private byte @Nullable [] json;

    ServiceSnapshot(ServiceState state) {
        this.state = requireNonNull(state, "state");
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

    @Override
    public String toString() {
        return "ServiceSnapshot(index=" + state.index() + ", instances="
                + state.instances().size() + ')';
    }
}
