/**
 * WebSocket connections by service name: an instance picked by open connections, mTLS with the server's identity
 * checked, keep-alive pings, a client span and meters per connection.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.websocket;

import org.jspecify.annotations.NullMarked;
