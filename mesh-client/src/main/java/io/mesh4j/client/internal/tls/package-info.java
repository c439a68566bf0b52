/**
 * mTLS on the calling side: each call presents the workload's current certificate and accepts only a server
 * that proves the identity of the service it meant to call.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.tls;

import org.jspecify.annotations.NullMarked;
