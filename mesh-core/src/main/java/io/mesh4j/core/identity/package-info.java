/**
 * Workload identity: SPIFFE IDs in short-lived X.509 certificates, issued by the registry and renewed in
 * process, and the verification of a peer's certificate against the trust bundle. Start from
 * {@link io.mesh4j.core.identity.WorkloadIdentity}; {@link io.mesh4j.core.identity.MeshIdentity} tells who called.
 */
@NullMarked
package io.mesh4j.core.identity;

import org.jspecify.annotations.NullMarked;
