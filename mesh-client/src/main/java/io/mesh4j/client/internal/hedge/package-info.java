/**
 * The HEDGE layer: when a call is slow, a second attempt to another endpoint, the first answer winning.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.hedge;

import org.jspecify.annotations.NullMarked;
