/**
 * The RATE_LIMIT layer: per route, optionally per calling service, answering 429 with {@code Retry-After}.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.ratelimit;

import org.jspecify.annotations.NullMarked;
