/**
 * How long to wait before trying again, shared by retries, watches and registration.
 */
@NullMarked
package io.mesh4j.core.backoff;

import org.jspecify.annotations.NullMarked;
