/**
 * The registry as certificate authority: its roots, kept owner-only in the data directory, the certificates it
 * issues, and the rotation of the roots themselves.
 */
@NullMarked
package io.mesh4j.registry.ca;

import org.jspecify.annotations.NullMarked;
