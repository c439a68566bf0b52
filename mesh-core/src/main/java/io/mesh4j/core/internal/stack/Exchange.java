package io.mesh4j.core.internal.stack;

import static java.util.Objects.requireNonNull;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogBuilder;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.classify.ResponseClass;
import io.opentelemetry.context.Context;

/**
 * One request's way through a {@link Pass}: the headers its interceptors write (built once, when the last of them
 * has run), what each keeps for its {@link Interceptor#onComplete}, the context made current below the pass, and
 * the answer's classification, made once for all of them.
 *
 * @param <C> the request's context
 */
public final class Exchange<C extends RequestContext> implements Consumer<RequestLog> {

    private final Pass<C> pass;
    private final C ctx;
    private final Pass.Downstream<C> downstream;
    private HttpRequest request;
    private @Nullable RequestHeadersBuilder headers;
    private @Nullable Object @Nullable [] kept;
    /** The interceptor running now, in {@link Interceptor#onRequest} or {@link Interceptor#onComplete}. */
    private int index;
    /** How many interceptors passed the request on: those get {@link Interceptor#onComplete}. */
    private int passed;

    private @Nullable Context current;
    private @Nullable Function<Context, SafeCloseable> enter;
    private @Nullable ResponseClass outcome;
    /** Whether the running interceptor lets the request go on later ({@link #rest()}), to be logged below. */
    private boolean continuesLater;
    /** Whether the log has been offered to a retry loop's {@link CallCompletion}, so that it is offered once. */
    private boolean offered;

    Exchange(Pass<C> pass, C ctx, HttpRequest request, Pass.Downstream<C> downstream) {
        this.pass = pass;
        this.ctx = ctx;
        this.request = request;
        this.downstream = downstream;
    }

    /**
     * Returns the request as it came to the pass; the headers written in the pass are not in it yet.
     *
     * @return the request
     */
    public HttpRequest request() {
        return request;
    }

    /**
     * Returns a header of the request as the interceptors before this one left it.
     *
     * @param name the header's name
     * @return its value, or {@code null}
     */
    public @Nullable String header(CharSequence name) {
        return headers != null ? headers.get(name) : request.headers().get(name);
    }

    /**
     * Returns the request's headers to write to; the request goes on with them once every interceptor has run:
     * one rebuild of the headers for the whole pass.
     *
     * @return the same builder for every interceptor of this request
     */
    public RequestHeadersBuilder headersToWrite() {
        RequestHeadersBuilder builder = headers;
        if (builder == null) {
            builder = request.headers().toBuilder();
            headers = builder;
        }
        return builder;
    }

    /**
     * Keeps what the running interceptor's {@link Interceptor#onComplete} will need: a slot per interceptor, no map.
     *
     * @param state what to keep, such as the span or the permit
     */
    public void keep(@Nullable Object state) {
        @Nullable Object @Nullable [] slots = kept;
        if (slots == null) {
            slots = new Object[pass.size()];
            kept = slots;
        }
        slots[index] = state;
    }

    /**
     * Returns what the running interceptor kept.
     *
     * @param <S> its type
     * @return what it kept, or {@code null}
     */
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <S> @Nullable S kept() {
        final @Nullable Object @Nullable [] slots = kept;
        return slots != null ? (S) slots[index] : null;
    }

    /**
     * Makes {@code context} current while the layers below this pass run on this thread (the tracing layer's
     * span, for whatever the rest of the request does).
     *
     * @param context the OpenTelemetry context
     * @param enter how to make it current; its closeable restores what was current before
     */
    public void makeCurrentBelow(Context context, Function<Context, SafeCloseable> enter) {
        current = context;
        this.enter = enter;
    }

    /**
     * Returns what the answer means, classified by the pass's classifier from the complete log: once per request,
     * whichever interceptors ask.
     *
     * @param log the complete log given to {@link Interceptor#onComplete}
     * @return the classification
     */
    public ResponseClass outcome(RequestLog log) {
        ResponseClass result = outcome;
        if (result == null) {
            result = pass.classifier().classify(ctx.method(), log);
            outcome = result;
        }
        return result;
    }

    /**
     * Returns the rest of the pass after the running interceptor, to run later: for an interceptor that answers
     * with a delayed response (an injected delay) and then lets the request go on. The answer must run it: an
     * answer that stops the request for good must not ask for it, so that the pass logs it as answered here.
     *
     * @return the rest of the pass and the layers below; call it once
     */
    public Supplier<HttpResponse> rest() {
        continuesLater = true;
        final int from = index + 1;
        return () -> {
            try {
                return run(from);
            } catch (Exception e) {
                return HttpResponse.ofFailure(e);
            }
        };
    }

    HttpResponse run(int from) throws Exception {
        final Interceptor<C>[] interceptors = pass.interceptors();
        for (int i = from; i < interceptors.length; i++) {
            index = i;
            passed = i;
            // Per interceptor: a layer after one that resumed the pass later may still answer for good.
            continuesLater = false;
            final @Nullable HttpResponse answer = interceptors[i].onRequest(ctx, this);
            if (answer != null) {
                return continuesLater ? answer : answeredHere(answer);
            }
        }
        passed = interceptors.length;
        final RequestHeadersBuilder written = headers;
        if (written != null) {
            request = request.withHeaders(written);
            headers = null;
            updateRequest(request);
        }
        final @Nullable Context context = current;
        if (context == null) {
            return downstream.proceed(ctx, request);
        }
        try (SafeCloseable ignored = requireNonNull(enter, "enter").apply(context)) {
            return downstream.proceed(ctx, request);
        }
    }

    /**
     * Logs an answer an interceptor gave instead of sending the request on. A server logs every response it sends,
     * whoever made it; Armeria's client logs a request as its transport writes it (line/armeria#5708), so one
     * answered above the transport would never complete its log: no span would end, no metric count it, and a
     * retry waiting on it would hang.
     */
    private HttpResponse answeredHere(HttpResponse answer) {
        if (!(ctx instanceof ClientRequestContext)) {
            return answer;
        }
        // The request never leaves: its body is released, and it ends here.
        request.abort();
        final RequestLogBuilder log = ctx.logBuilder();
        log.endRequest();
        // Whole, then logged, then handed on: an answer made here is a short refusal or a failure, and logging it
        // from its aggregate leaves no race between the log's end and its headers.
        return HttpResponse.of(answer.aggregate().handle((aggregated, cause) -> {
            if (cause != null) {
                log.endResponse(cause);
                return HttpResponse.ofFailure(cause);
            }
            // The log keeps response headers only once the response has started.
            log.startResponse();
            log.responseHeaders(aggregated.headers());
            log.endResponse();
            return aggregated.toHttpResponse();
        }));
    }

    private void updateRequest(HttpRequest request) {
        ctx.updateRequest(request);
    }

    /**
     * The pass's one log listener: every interceptor that passed the request on, in order. A per-call pass over a
     * retry loop that ran the first attempt on the call's own context hears of the call's end from the loop
     * ({@link CallCompletion}), with the log of every attempt.
     */
    @Override
    public void accept(RequestLog log) {
        if (!offered && pass.perCall() && ctx instanceof ClientRequestContext) {
            offered = true;
            final @Nullable CallCompletion call = ctx.attr(CallCompletion.KEY);
            if (call != null && call.deliverLater(this)) {
                return;
            }
        }
        final Interceptor<C>[] interceptors = pass.interceptors();
        for (int i = 0; i < passed; i++) {
            index = i;
            if (interceptors[i].observesCompletion()) {
                try {
                    interceptors[i].onComplete(ctx, log, this);
                } catch (RuntimeException e) {
                    pass.failedOnComplete(interceptors[i], e);
                }
            }
        }
    }
}
