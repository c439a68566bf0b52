package io.mesh4j.registry.internal.documents;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A write named the index it was made from, and the service's document has changed since: writing it would undo
 * a change its writer never saw. Nothing was written.
 */
public final class IndexConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long inForce;

    IndexConflictException(ServiceName service, long expected, long inForce) {
        super(service + " is at index " + inForce + ", not " + expected);
        this.expected = expected;
        this.inForce = inForce;
    }

    /** The index the writer read, and expected to be in force. */
    public long expected() {
        return expected;
    }

    /** The service's index now. */
    public long inForce() {
        return inForce;
    }
}
