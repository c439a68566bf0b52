/**
 * Workload identity: SPIFFE IDs in short-lived X.509 certificates, issued by the registry and renewed in
 * process, and the verification of a peer's certificate against the trust bundle.
 */
@NullMarked
package io.mesh4j.core.identity;

import org.jspecify.annotations.NullMarked;
