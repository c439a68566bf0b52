/**
 * The outbound METRICS layer and the counters of what the client does below it: retries, spent budgets, breaker transitions, balancer picks.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.metrics;

import org.jspecify.annotations.NullMarked;
