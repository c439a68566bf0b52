/**
 * The RATE_LIMIT layer: per route, optionally per calling service, answering 429 with {@code Retry-After}.
 */
@NullMarked
package io.mesh4j.server.ratelimit;

import org.jspecify.annotations.NullMarked;
