/**
 * What the operator pushes per service (access policies, route configs): durable documents, versioned by index
 * and watchable like instances.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.documents;

import org.jspecify.annotations.NullMarked;
