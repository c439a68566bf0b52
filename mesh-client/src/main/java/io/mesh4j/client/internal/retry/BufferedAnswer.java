package io.mesh4j.client.internal.retry;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.ResponseHeaders;

/**
 * An attempt's answer held whole before it is handed on, so that a connection lost in the middle of its body is one
 * more retryable failure rather than a broken call. It keeps the objects the transport delivered (pooled, so no
 * copy) and hands them on as they came: an array, where aggregating built a new message and copied its body.
 */
final class BufferedAnswer implements Subscriber<HttpObject> {

    private final RetriedCall call;
    private final RetriedCall.Attempt attempt;
    /** Sized for most answers, headers and one piece of body, so that it is handed on without a copy. */
    private HttpObject[] objects = new HttpObject[2];

    private int count;
    private @Nullable ResponseHeaders headers;
    private HttpHeaders trailers = HttpHeaders.of();

    BufferedAnswer(RetriedCall call, RetriedCall.Attempt attempt) {
        this.call = call;
        this.attempt = attempt;
    }

    @Override
    public void onSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(HttpObject obj) {
        if (count == objects.length) {
            objects = Arrays.copyOf(objects, count * 2);
        }
        objects[count++] = obj;
        if (obj instanceof ResponseHeaders responseHeaders) {
            if (!responseHeaders.status().isInformational()) {
                headers = responseHeaders;
            }
        } else if (obj instanceof HttpHeaders httpHeaders && headers != null) {
            trailers = httpHeaders;
        }
    }

    @Override
    public void onError(Throwable t) {
        release();
        call.onAnswer(attempt, null, t);
    }

    @Override
    public void onComplete() {
        call.onAnswer(attempt, this, null);
    }

    /** The final (not informational) headers; present once the answer completed. */
    ResponseHeaders headers() {
        final @Nullable ResponseHeaders h = headers;
        if (h == null) {
            throw new IllegalStateException("an answer without headers");
        }
        return h;
    }

    HttpHeaders trailers() {
        return trailers;
    }

    /** The answer, to hand on: the objects as the transport delivered them. */
    HttpResponse toResponse() {
        return HttpResponse.of(count == objects.length ? objects : Arrays.copyOf(objects, count));
    }

    /** Frees the pooled body of an answer that is not handed on. */
    void release() {
        for (int i = 0; i < count; i++) {
            if (objects[i] instanceof HttpData data) {
                data.close();
            }
            objects[i] = null;
        }
        count = 0;
    }
}
