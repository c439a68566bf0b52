/**
 * Who may call what: access policies by caller identity, from annotations beside the code or pushed by the
 * registry.
 */
@NullMarked
package io.mesh4j.core.authz;

import org.jspecify.annotations.NullMarked;
