/**
 * How long to wait before trying again, shared by retries, watches and registration.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.backoff;

import org.jspecify.annotations.NullMarked;
