package io.mesh4j.client;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketWriter;

/**
 * One open WebSocket connection through the mesh, made by {@link MeshWebSocketClient#connect(String)}. Write with
 * {@link #outbound()} and close it when done ({@code outbound().close()}); read with {@link #inbound()}, where the
 * server's messages and its close frame arrive (the pongs that answer the mesh's keep-alive pings do not).
 */
public interface MeshWebSocket {

    /**
     * Returns the frames the server sends.
     *
     * @return the inbound stream; subscribe to it once
     */
    WebSocket inbound();

    /**
     * Returns the writer of the frames to send; the same one every time.
     *
     * @return the outbound writer
     */
    WebSocketWriter outbound();

    /**
     * Returns the instance this connection went to.
     *
     * @return its endpoint
     */
    Endpoint endpoint();

    /**
     * Returns the context of the upgrade request, whose log completes when the connection ends.
     *
     * @return the request context
     */
    ClientRequestContext context();
}
