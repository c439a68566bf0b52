/**
 * A mesh server whose service is a TCP backend: the mTLS listener, the authorization of each connection when it
 * opens, the connection limit, and the drain.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.tcp;

import org.jspecify.annotations.NullMarked;
