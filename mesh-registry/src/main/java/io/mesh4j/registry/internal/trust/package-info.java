/**
 * The mesh's trust state as the registry keeps and pushes it: the roots in force, the revoked certificates, and the
 * record of issued certificates that revocations are checked against. Not API.
 */
@NullMarked
package io.mesh4j.registry.internal.trust;

import org.jspecify.annotations.NullMarked;
