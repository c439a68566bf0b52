package io.mesh4j.core.internal.tap;

import java.util.List;

/**
 * One tapped request, as a member's mesh saw it: who called whom, how, and what came of it. It carries no header,
 * no query string and no body: a tap shows the shape of the traffic, never what it carries.
 *
 * @param timeMillis when the request ended, in milliseconds since the epoch
 * @param inbound {@code true} for a request the member served, {@code false} for a call it made
 * @param caller the calling service (the verified peer, inbound), {@code unknown} when the mesh cannot name it
 * @param service the called service
 * @param method the HTTP method
 * @param path the request's path without its query string (a gRPC call's is {@code /pkg.Service/Method}), cut to
 *     {@value #MAX_PATH} characters
 * @param status the HTTP status answered, 0 when none was
 * @param grpcStatus the gRPC status of a gRPC call, -1 for any other request
 * @param latencyMicros how long the request took, in microseconds
 * @param attempts how many attempts an outbound call took (retries and hedges included), 0 for an inbound request
 * @param taps the ids of the open taps that want it
 */
public record TapRecord(
        long timeMillis,
        boolean inbound,
        String caller,
        String service,
        String method,
        String path,
        int status,
        int grpcStatus,
        long latencyMicros,
        int attempts,
        List<String> taps) {

    /** The longest path a record carries; longer ones are cut. */
    public static final int MAX_PATH = 256;

    public TapRecord {
        taps = List.copyOf(taps);
    }

    /** This record, for {@code taps}. */
    public TapRecord withTaps(List<String> taps) {
        return new TapRecord(
                timeMillis, inbound, caller, service, method, path, status, grpcStatus, latencyMicros, attempts, taps);
    }
}
