/**
 * The registry as certificate authority: its roots, kept owner-only in the data directory, the certificates it
 * issues, and the rotation of the roots themselves.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.ca;

import org.jspecify.annotations.NullMarked;
