/**
 * A member's last-known-good state on disk: what it last heard from the registry (endpoints, route configs,
 * policies, the trust state) and its current certificate and key, written atomically and checksummed, so that a
 * member restarted while the registry is unreachable starts from it.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.state;

import org.jspecify.annotations.NullMarked;
