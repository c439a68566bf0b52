/**
 * The client's FAULTS layer: the route's injected delays and aborts, judged at the caller as Istio does.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.faults;

import org.jspecify.annotations.NullMarked;
