/**
 * Retries on a freshly picked endpoint, with full-jitter backoff, bounded by a retry budget: configured by
 * {@link io.mesh4j.client.retry.RetryConfig}, part of a service's {@code ClientPolicy}.
 */
@NullMarked
package io.mesh4j.client.retry;

import org.jspecify.annotations.NullMarked;
