package io.mesh4j.registry.internal.trust;

import java.util.Map;
import java.util.Set;

/**
 * Which registry replicas hold a key for which roots: each says so for itself, and a replica that stops saying so
 * (it died, or lost etcd) drops out by itself. A rotation is refused while a live replica lacks the new root's key.
 */
public interface KeyHolders extends AutoCloseable {

    /** This replica's name among the holders. */
    String self();

    /** Says (again) that this replica holds keys for the roots of these SHA-256 fingerprints; called every second. */
    void hold(Set<String> fingerprints);

    /** Every live replica's fingerprints, by replica name. */
    Map<String, Set<String>> live();

    /** Stops saying anything: this replica leaves the holders now. */
    @Override
    void close();
}
