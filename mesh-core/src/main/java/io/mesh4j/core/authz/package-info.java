/**
 * Who may call what: access policies by caller identity, from annotations beside the code
 * ({@link io.mesh4j.core.authz.AllowCallers}) or pushed by the registry ({@link io.mesh4j.core.authz.AccessPolicy}).
 */
@NullMarked
package io.mesh4j.core.authz;

import org.jspecify.annotations.NullMarked;
