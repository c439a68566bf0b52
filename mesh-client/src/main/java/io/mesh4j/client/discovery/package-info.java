/**
 * Endpoints of a service kept current by a long-poll watch on the registry, served from the last known set when the registry is away.
 */
@NullMarked
package io.mesh4j.client.discovery;

import org.jspecify.annotations.NullMarked;
