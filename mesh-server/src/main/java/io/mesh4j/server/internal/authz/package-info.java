/**
 * Authorization by identity: the caller's SPIFFE ID against the service's access policy, pushed by the registry or
 * declared with {@link io.mesh4j.core.authz.AllowCallers} beside the code.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.authz;

import org.jspecify.annotations.NullMarked;
