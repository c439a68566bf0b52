package io.mesh4j.server;

import java.util.Map;

/**
 * Every authorization decision of a mesh server, counted by caller and outcome, so that an operator sees who is
 * refused before tightening a policy and who still calls after.
 */
public interface AuthorizationCounts {

    /**
     * A caller and what was decided for it.
     *
     * @param caller the caller's SPIFFE ID, or {@code "unknown"}
     * @param allowed whether its requests were let through
     */
    record Key(String caller, boolean allowed) {}

    /** How many requests of {@code caller} (a SPIFFE ID, or "unknown") were allowed, or denied. */
    long of(String caller, boolean allowed);

    /**
     * How many requests of {@code caller} carried a route override that was ignored: the caller may not send one,
     * or it did not parse.
     */
    long ignoredOverrides(String caller);

    /** Every count so far, by caller and outcome, in caller order. */
    Map<Key, Long> snapshot();
}
