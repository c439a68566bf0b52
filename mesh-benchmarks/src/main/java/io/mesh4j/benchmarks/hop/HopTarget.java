package io.mesh4j.benchmarks.hop;

/**
 * Something the per-hop client process can drive load at: one of the four {@link HopPath}s, or the mesh path with
 * one layer removed ({@link StackVariant}). The parent names it to the client by its {@link #key()}.
 */
interface HopTarget {

    /** How the parent names it in a command to the client: {@code c}, {@code c-server-AUTHZ}; no spaces. */
    String key();

    /** How the tables and the progress name it: {@code (c) mesh4j defaults}, {@code (c) minus server AUTHZ}. */
    String label();
}
