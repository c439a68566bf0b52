package io.mesh4j.client.discovery;

/**
 * How calls to a service's endpoints are carried, which says whether they are mesh members.
 */
public enum PeerTransport {
    /**
     * The endpoints are mesh members: calls are mTLS with the client's workload identity, accepting only a server
     * that proves it is the service called (plaintext when the whole client is {@code plaintext()}). The default.
     */
    MESH,
    /**
     * The endpoints are not mesh members and speak TLS: the server is checked against the JVM's default trust
     * store, and the client presents no certificate.
     */
    TLS,
    /**
     * The endpoints are not mesh members and speak plaintext HTTP (h2c for gRPC): nothing is encrypted, so choose it
     * only for what the network itself protects.
     */
    PLAINTEXT;

    /**
     * Whether calls with this transport go to mesh members.
     *
     * @return true for {@link #MESH}
     */
    public boolean isMeshMember() {
        return this == MESH;
    }

    /**
     * Parses a transport as written in a property: {@code mesh}, {@code tls} or {@code plaintext}, in any case.
     *
     * @param value the text
     * @return the transport
     * @throws IllegalArgumentException naming what to write instead
     */
    public static PeerTransport parse(String value) {
        for (PeerTransport transport : values()) {
            if (transport.name().equalsIgnoreCase(value.trim())) {
                return transport;
            }
        }
        throw new IllegalArgumentException("transport: '" + value + "' (expected: mesh, tls or plaintext)");
    }
}
