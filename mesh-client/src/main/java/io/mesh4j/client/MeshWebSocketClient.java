package io.mesh4j.client;

import java.util.concurrent.CompletableFuture;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Opens WebSocket connections to a service by its name, such as one served with {@code MeshServerBuilder.webSocket(..)}.
 * Each connection goes to an instance the registry knows and the client deems healthy (in the client's zone while it
 * has some), the one of two chosen at random with fewer connections open from this client; over mTLS with this
 * workload's certificate, the instance's checked to be {@code spiffe://<trust-domain>/svc/<service>}, as the HTTP
 * client checks it. An instance that refuses the upgrade because it is draining (503), or cannot be reached, is
 * passed over for another; a refusal by policy (403) fails the connect with the server's reason. The mesh pings a
 * connection that has heard nothing from its server for an interval ({@link MeshClientBuilder#webSocketPingInterval}),
 * so that idle connections stay open through NATs and load balancers. Each connect has a client span, a child of
 * the trace current where {@link #connect(String)} is called, which the upgrade carries so that the server's span of
 * it is the client span's child; the span lasts as long as the connection and says how it closed. The connections,
 * their messages, closes and failed connects are counted in the {@code mesh_client_websocket_*} meters.
 *
 * <p>A connection closed by its server with 1001 (going away) is one whose instance is leaving: connect again, and
 * the new connection goes to an instance that stays.
 *
 * <pre>{@code
 * MeshWebSocketClient chat = mesh.webSocketClient("chat");
 * MeshWebSocket socket = chat.connect("/echo").join();
 * socket.outbound().write("hello");
 * socket.outbound().close();
 * List<WebSocketFrame> answer = socket.inbound().collect().join();   // "hello", then the close frame
 * }</pre>
 */
public interface MeshWebSocketClient {

    /**
     * Returns the service the connections go to.
     *
     * @return the service
     */
    ServiceName service();

    /**
     * Opens a connection to {@code path} on an instance of the service.
     *
     * @param path the WebSocket endpoint's path, such as {@code /echo}
     * @return a future of the open connection; it fails with the handshake's
     *     {@code WebSocketClientHandshakeException} (its headers carry the status, such as 403) when an instance
     *     refused the upgrade, or with a {@link NoEndpointException} when no instance took it
     */
    CompletableFuture<MeshWebSocket> connect(String path);

    /**
     * Returns how many connections this client has open now.
     *
     * @return the count
     */
    int openConnections();
}
