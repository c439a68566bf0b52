package io.mesh4j.spring.actuator;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Since when the registry has been unreachable, as the health checks found it: the first check that gets no answer
 * starts the outage, the first that gets one ends it. An operator reading a degraded health wants to know whether
 * the registry went away a minute or a day ago.
 */
final class RegistryOutage {

    // Guarded by this.
    private @Nullable Instant since;

    /**
     * Notes what one check found.
     *
     * @return since when the registry has been unreachable; {@code null} if it answered
     */
    synchronized @Nullable Instant observe(boolean reachable, Instant now) {
        if (reachable) {
            since = null;
            return null;
        }
        if (since == null) {
            since = now;
        }
        return since;
    }
}
