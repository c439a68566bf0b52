/**
 * Retries on a freshly picked endpoint, with full-jitter backoff, bounded by a retry budget.
 */
@NullMarked
package io.mesh4j.client.retry;

import org.jspecify.annotations.NullMarked;
