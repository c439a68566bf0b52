/**
 * The RETRY layer: budgeted retries with backoff, each attempt re-selecting an endpoint.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.retry;

import org.jspecify.annotations.NullMarked;
