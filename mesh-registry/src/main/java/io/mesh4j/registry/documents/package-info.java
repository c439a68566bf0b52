/**
 * What the operator pushes per service (access policies, route configs): durable documents, versioned by index
 * and watchable like instances.
 */
@NullMarked
package io.mesh4j.registry.documents;

import org.jspecify.annotations.NullMarked;
