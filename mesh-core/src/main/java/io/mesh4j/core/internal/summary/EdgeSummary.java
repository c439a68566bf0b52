package io.mesh4j.core.internal.summary;

/**
 * One edge's counts over one report interval, as a member reports it and the registry adds it up.
 *
 * @param side who measured it: the caller's client ({@code client}) or the service's server ({@code server})
 * @param caller the calling service ({@code unknown} when the server could not name it)
 * @param service the service called
 * @param route the route template, or {@code *} for what belongs to the whole edge (ejections)
 * @param latency a count per {@link LatencyBuckets} index
 */
public record EdgeSummary(
        Summaries.Side side,
        String caller,
        String service,
        String route,
        long requests,
        long successes,
        long retries,
        long denials,
        long ejections,
        long[] latency) {}
