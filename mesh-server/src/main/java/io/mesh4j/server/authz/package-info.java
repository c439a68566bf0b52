/**
 * Authorization by identity: the caller's SPIFFE ID against the service's access policy, pushed by the registry or
 * declared with {@link io.mesh4j.core.authz.AllowCallers} beside the code.
 */
@NullMarked
package io.mesh4j.server.authz;

import org.jspecify.annotations.NullMarked;
