package io.mesh4j.server;

import java.util.Map;

/**
 * Every authorization decision of a mesh server, counted by caller and outcome, so that an operator sees who is
 * refused before tightening a policy and who still calls after. A server's are {@link MeshServer#authorizationCounts()};
 * they count from the server's start and are never reset.
 *
 * <pre>{@code
 * long refused = server.authorizationCounts().of("spiffe://mesh.local/svc/frontend", false);
 * }</pre>
 */
public interface AuthorizationCounts {

    /**
     * A caller and what was decided for it.
     *
     * @param caller the caller's SPIFFE ID, or {@code "unknown"}
     * @param allowed whether its requests were let through
     */
    record Key(String caller, boolean allowed) {}

    /**
     * Returns how many requests of {@code caller} were allowed, or denied.
     *
     * @param caller the caller's SPIFFE ID, or {@code "unknown"} for a caller without one
     * @param allowed {@code true} to count the allowed requests, {@code false} the denied ones
     * @return the count so far; 0 for a caller never seen
     */
    long of(String caller, boolean allowed);

    /**
     * How many requests of {@code caller} carried a route override that was ignored: the caller may not send one,
     * or it did not parse.
     *
     * @param caller the caller's SPIFFE ID, or {@code "unknown"}
     * @return the count so far; 0 for a caller never seen
     */
    long ignoredOverrides(String caller);

    /**
     * Returns every count so far, by caller and outcome, in caller order.
     *
     * @return a copy, which later requests do not change
     */
    Map<Key, Long> snapshot();
}
