/**
 * Endpoints of a service kept current by a long-poll watch on the registry, served from the last known set when the registry is away.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.discovery;

import org.jspecify.annotations.NullMarked;
