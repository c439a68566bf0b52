/**
 * WebSocket routes on the mesh listener: the upgrade passes the inbound stack like any request, and each connection
 * it opens is metered, answers pings, and is closed with 1001 (going away) when the server drains.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.websocket;

import org.jspecify.annotations.NullMarked;
