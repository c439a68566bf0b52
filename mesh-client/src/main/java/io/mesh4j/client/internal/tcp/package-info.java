/**
 * Raw TCP through the mesh, client side: the loopback port whose connections are balanced to a service's instances
 * and carried over mTLS.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.tcp;

import org.jspecify.annotations.NullMarked;
