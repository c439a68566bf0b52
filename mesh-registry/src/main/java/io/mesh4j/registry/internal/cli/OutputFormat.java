package io.mesh4j.registry.internal.cli;

/** How a read command prints: a table for people, JSON for scripts. */
enum OutputFormat {
    table,
    json
}
