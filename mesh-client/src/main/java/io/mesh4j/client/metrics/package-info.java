/**
 * The outbound METRICS layer and the counters of what the client does below it: retries, spent budgets, breaker transitions, balancer picks.
 */
@NullMarked
package io.mesh4j.client.metrics;

import org.jspecify.annotations.NullMarked;
