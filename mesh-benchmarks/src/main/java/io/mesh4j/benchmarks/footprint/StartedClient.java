package io.mesh4j.benchmarks.footprint;

import io.mesh4j.benchmarks.load.Call;

/**
 * A footprint client, ready to call its server. An interface for the same reason as {@link StartedServer}.
 */
interface StartedClient extends AutoCloseable {

    /** One request to the server: the per-hop benchmark's JSON echo. */
    Call call();

    @Override
    void close();
}
