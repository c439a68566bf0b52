/**
 * The HEDGE layer: when a call is slow, a second attempt to another endpoint, the first answer winning.
 */
@NullMarked
package io.mesh4j.client.hedge;

import org.jspecify.annotations.NullMarked;
