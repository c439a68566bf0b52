package io.mesh4j.client.internal.retry;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * A call's request kept so that a retry can send it again. A request's body can be read once, so a retry needs a
 * copy; what that costs depends on the request:
 * <ul>
 *   <li>a request without a body (a GET, most calls) costs nothing: a retry sends its headers again;</li>
 *   <li>a complete request with a body (what {@code client.post(path, body)} makes) is read at once, on the calling
 *       thread, into its parts, which every attempt reuses; nothing waits;</li>
 *   <li>a body still being written (a streaming upload) is read whole before the first attempt, as aggregation did.</li>
 * </ul>
 */
final class ReplayableRequest implements Subscriber<HttpObject> {

    private final HttpRequest original;
    private final RetriedCall call;
    /** The body as most come, in one piece; {@link #more} only for one that came in several. */
    private @Nullable HttpData piece;

    private @Nullable List<HttpData> more;
    private HttpHeaders trailers = HttpHeaders.of();
    private boolean read;

    ReplayableRequest(HttpRequest original, RetriedCall call) {
        this.original = original;
        this.call = call;
    }

    /**
     * Reads the request so that it can be sent more than once, then tells the call: at once when it can be read on
     * this thread (no body, or a complete one), else when its body has ended.
     */
    void read(EventExecutor executor) {
        if (original.isEmpty()) {
            read = true;
            call.onRequestRead(this, null);
            return;
        }
        // A complete request delivers its body here and now on an immediate executor: no hop, no future.
        original.subscribe(this, original.isOpen() ? executor : ImmediateEventExecutor.INSTANCE);
    }

    /** The request the first attempt sends: the caller's own when it has no body, else one rebuilt from the parts. */
    HttpRequest first() {
        return original.isEmpty() ? original : with(original.headers());
    }

    /** The request with {@code headers}, for a retry. */
    HttpRequest with(RequestHeaders headers) {
        final @Nullable HttpData first = piece;
        if (first == null) {
            return trailers.isEmpty() ? HttpRequest.of(headers) : HttpRequest.of(headers, HttpData.empty(), trailers);
        }
        final @Nullable List<HttpData> rest = more;
        final HttpData content = rest == null ? first : concat(first, rest);
        if (trailers.isEmpty() && !content.isEmpty() && headers.contentLength() == content.length()) {
            // The headers already say the body's length, as client.post(path, body) writes it: they go as they are.
            // HttpRequest.of(headers, content, trailers) would copy all of them to set the same length again, on
            // every call's first attempt.
            return HttpRequest.of(headers, new HttpData[] {content});
        }
        return HttpRequest.of(headers, content, trailers);
    }

    RequestHeaders headers() {
        return original.headers();
    }

    private static HttpData concat(HttpData first, List<HttpData> rest) {
        int length = first.length();
        for (HttpData part : rest) {
            length += part.length();
        }
        final byte[] whole = new byte[length];
        System.arraycopy(first.array(), 0, whole, 0, first.length());
        int at = first.length();
        for (HttpData part : rest) {
            System.arraycopy(part.array(), 0, whole, at, part.length());
            at += part.length();
        }
        return HttpData.wrap(whole);
    }

    @Override
    public void onSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(HttpObject obj) {
        // Unpooled (the default subscription): each attempt reuses the same bytes.
        if (obj instanceof HttpData data) {
            if (piece == null) {
                piece = data;
            } else {
                if (more == null) {
                    more = new ArrayList<>(2);
                }
                more.add(data);
            }
        } else if (obj instanceof HttpHeaders headers) {
            trailers = headers;
        }
    }

    @Override
    public void onError(Throwable t) {
        if (!read) {
            read = true;
            call.onRequestRead(this, t);
        }
    }

    @Override
    public void onComplete() {
        if (!read) {
            read = true;
            call.onRequestRead(this, null);
        }
    }
}
