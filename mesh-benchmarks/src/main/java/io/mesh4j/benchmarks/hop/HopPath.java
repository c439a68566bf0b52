package io.mesh4j.benchmarks.hop;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The ways the benchmark's client reaches its server, each measured in the same run: four HTTP paths (a to d), and
 * for gRPC and TCP a raw path and the mesh's, in pairs (e and f, g and h), whose ratio prices the mesh for that
 * protocol.
 */
enum HopPath implements HopTarget {
    H2C("a", "h2c", "raw Armeria, h2c"),
    TLS("b", "tls", "raw Armeria, mTLS"),
    MESH("c", "mesh", "mesh4j defaults"),
    SIDECARS("d", "sidecars", "two HAProxy sidecars"),
    GRPC_RAW("e", "grpc-raw", "raw gRPC unary, Armeria mTLS"),
    GRPC_MESH("f", "grpc-mesh", "gRPC unary, mesh4j defaults"),
    TCP_RAW("g", "tcp-raw", "raw TCP echo, mTLS"),
    TCP_MESH("h", "tcp-mesh", "TCP echo, mesh4j forward");

    private final String letter;
    private final String pathName;
    private final String description;

    HopPath(String letter, String name, String description) {
        this.letter = letter;
        this.pathName = name;
        this.description = description;
    }

    /** The letter the issue and the tables name the path by: a to h. */
    String letter() {
        return letter;
    }

    /** The {@link #letter()}. */
    @Override
    public String key() {
        return letter;
    }

    /** {@code (c) mesh4j defaults} */
    @Override
    public String label() {
        return '(' + letter + ") " + description;
    }

    /**
     * The raw path this one is compared with in the added-latency column: (b) for the HTTP paths, as before the
     * other protocols came; the raw path of the same protocol for the gRPC and TCP ones; none for a raw path.
     */
    @Nullable
    HopPath raw() {
        return switch (this) {
            case H2C, MESH, SIDECARS -> TLS;
            case GRPC_MESH -> GRPC_RAW;
            case TCP_MESH -> TCP_RAW;
            case TLS, GRPC_RAW, TCP_RAW -> null;
        };
    }

    /** Whether this is one of the gRPC paths, which the server and client make only when asked for. */
    boolean isGrpc() {
        return this == GRPC_RAW || this == GRPC_MESH;
    }

    /** Whether this is one of the TCP paths, which the server and client make only when asked for. */
    boolean isTcp() {
        return this == TCP_RAW || this == TCP_MESH;
    }

    /** The path of a letter ({@code c}) or a name ({@code grpc-mesh}), as {@code --paths} takes them. */
    static HopPath ofLetter(String letterOrName) {
        final String wanted = letterOrName.trim().toLowerCase(Locale.ROOT);
        for (HopPath path : values()) {
            if (path.letter.equals(wanted) || path.pathName.equals(wanted)) {
                return path;
            }
        }
        throw new IllegalArgumentException("path: " + letterOrName + " (expected: a letter from a to h, or a name: "
                + "h2c, tls, mesh, sidecars, grpc-raw, grpc-mesh, tcp-raw, tcp-mesh)");
    }
}
