/**
 * mTLS on the calling side: each call presents the workload's current certificate and accepts only a server
 * that proves the identity of the service it meant to call.
 */
@NullMarked
package io.mesh4j.client.tls;

import org.jspecify.annotations.NullMarked;
