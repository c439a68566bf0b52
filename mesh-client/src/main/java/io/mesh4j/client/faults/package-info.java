/**
 * The client's FAULTS layer: the route's injected delays and aborts, judged at the caller as Istio does.
 */
@NullMarked
package io.mesh4j.client.faults;

import org.jspecify.annotations.NullMarked;
