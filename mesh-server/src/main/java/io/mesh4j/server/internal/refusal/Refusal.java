package io.mesh4j.server.internal.refusal;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;

/**
 * The one place where a layer's refusal takes the caller's protocol. A gRPC call ({@code content-type:
 * application/grpc...}) gets a trailers-only answer, HTTP 200 with {@code grpc-status} and {@code grpc-message}, which
 * a stock gRPC stub reads as the status and its description; an HTTP body would reach it as a bare
 * {@code UNKNOWN} or {@code UNAVAILABLE} with the reason lost. Every other request gets the layer's HTTP answer, as
 * before.
 */
public final class Refusal {

    private static final String GRPC_CONTENT_TYPE = "application/grpc";

    /**
     * Refuses the request in {@code ctx}.
     *
     * @param ctx the request's context
     * @param grpc the status a gRPC call is refused with
     * @param message why, the same words the HTTP answer says
     * @param http the HTTP answer for every other request
     * @return the answer
     */
    public static HttpResponse of(
            ServiceRequestContext ctx, Status.Code grpc, String message, Supplier<HttpResponse> http) {
        return isGrpc(ctx) ? grpc(grpc, message) : http.get();
    }

    /**
     * Returns whether the request in {@code ctx} is a gRPC call (gRPC-Web included).
     *
     * @param ctx the request's context
     * @return {@code true} when its content type is {@code application/grpc} or one of its variants
     */
    public static boolean isGrpc(ServiceRequestContext ctx) {
        final @Nullable String contentType = ctx.request().headers().get(HttpHeaderNames.CONTENT_TYPE);
        return contentType != null && contentType.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0, 16);
    }

    /**
     * A trailers-only gRPC answer.
     *
     * @param code the status
     * @param message its description, percent-encoded on the wire as gRPC asks
     * @return the answer, headers only, the stream ended
     */
    public static HttpResponse grpc(Status.Code code, String message) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(MediaType.parse(GRPC_CONTENT_TYPE))
                .set("grpc-status", Integer.toString(code.value()))
                .set("grpc-message", percentEncoded(message))
                .endOfStream(true)
                .build());
    }

    /**
     * The gRPC status an injected abort of HTTP status {@code httpStatus} becomes: gRPC's own mapping of HTTP
     * statuses (doc/http-grpc-status-mapping.md), which a stock client applies to a real HTTP error, with 500 read
     * as {@code INTERNAL}.
     *
     * @param httpStatus the abort's status
     * @return the gRPC status
     */
    public static Status.Code grpcStatusOf(int httpStatus) {
        switch (httpStatus) {
            case 400:
            case 500:
                return Status.Code.INTERNAL;
            case 401:
                return Status.Code.UNAUTHENTICATED;
            case 403:
                return Status.Code.PERMISSION_DENIED;
            case 404:
                return Status.Code.UNIMPLEMENTED;
            case 429:
            case 502:
            case 503:
            case 504:
                return Status.Code.UNAVAILABLE;
            default:
                return Status.Code.UNKNOWN;
        }
    }

    /** gRPC's encoding of {@code grpc-message}: UTF-8, with '%' and every byte outside printable ASCII as %XX. */
    static String percentEncoded(String message) {
        final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        final StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            final int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Refusal() {}
}
