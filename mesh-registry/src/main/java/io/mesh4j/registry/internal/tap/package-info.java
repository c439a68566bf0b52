/**
 * Tap at the registry: the tap sessions operators hold open ({@code meshctl tap}), the long-poll that tells each
 * service's members which are open, and the records members send, checked, rate-bounded and streamed to the tapper.
 */
@NullMarked
package io.mesh4j.registry.internal.tap;

import org.jspecify.annotations.NullMarked;
