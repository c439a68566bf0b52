package io.mesh4j.benchmarks.footprint;

/**
 * The two processes of each kind: a service serving, and a service calling it. Each is one service's cost.
 */
public enum Role {
    SERVER("server", "serving (a mesh server: and registered)"),
    CLIENT("client", "its first request answered");

    private final String label;
    private final String ready;

    Role(String label, String ready) {
        this.label = label;
        this.ready = ready;
    }

    public String label() {
        return label;
    }

    /** What "ready" means for this role's time to ready. */
    public String ready() {
        return ready;
    }
}
