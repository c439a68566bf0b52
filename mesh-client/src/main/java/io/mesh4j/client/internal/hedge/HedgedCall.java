package io.mesh4j.client.internal.hedge;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestId;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.client.internal.retry.RetryBudget;
import io.mesh4j.client.internal.retry.RetryLayer;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.grpc.GrpcStatuses;

/**
 * One hedged call: its attempts (each in a context derived from the call's, each with its own retries below, which
 * the retry loop adds to this call's log beside it),
 * the timer that sends the next, and the first good answer.
 */
final class HedgedCall {

    private final HttpClient next;
    private final ClientRequestContext ctx;
    private final HttpRequest original;
    private @Nullable AggregatedHttpRequest request;
    private final Duration delay;
    private final int maxAttempts;
    private final RetryBudget budget;
    private final ResponseClassifier classifier;
    private final CompletableFuture<HttpResponse> answer = new CompletableFuture<>();

    // Guarded by this.
    private final List<Attempt> attempts = new ArrayList<>();
    private final Set<Endpoint> tried = new HashSet<>();
    private int answered;
    private @Nullable ScheduledFuture<?> timer;

    private record Attempt(ClientRequestContext ctx, HttpResponse response) {}

    HedgedCall(
            HttpClient next,
            ClientRequestContext ctx,
            HttpRequest req,
            Duration delay,
            int maxAttempts,
            RetryBudget budget,
            ResponseClassifier classifier) {
        this.next = next;
        this.ctx = ctx;
        original = req;
        this.delay = delay;
        this.maxAttempts = maxAttempts;
        this.budget = budget;
        this.classifier = classifier;
    }

    /**
     * Reads the request whole first: each attempt then sends its own copy, which it may abort without touching
     * the others' (hedged calls are buffered calls, as retried ones are).
     */
    HttpResponse start() {
        // Read on the call's event loop, as Armeria's own response is, not on whichever common worker is next.
        return HttpResponse.of(
                original.aggregate().thenCompose(whole -> {
                    synchronized (this) {
                        request = whole;
                        launch(ctx.endpoint());
                        scheduleHedge();
                    }
                    return answer;
                }),
                ctx.eventLoop().withoutContext());
    }

    private synchronized void scheduleHedge() {
        timer = ctx.eventLoop().withoutContext().schedule(this::hedge, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void hedge() {
        if (answer.isDone() || attempts.size() >= maxAttempts || !budget.tryWithdraw()) {
            return;
        }
        launch(otherEndpoint());
        if (attempts.size() < maxAttempts) {
            scheduleHedge();
        }
    }

    /** An endpoint no attempt of this call has gone to, if the balancer offers one in a few tries. */
    private @Nullable Endpoint otherEndpoint() {
        final @Nullable EndpointGroup group = ctx.endpointGroup();
        if (group == null) {
            return ctx.endpoint();
        }
        @Nullable Endpoint pick = null;
        for (int i = 0; i < 4; i++) {
            pick = group.selectNow(ctx);
            if (pick == null || !tried.contains(pick)) {
                break;
            }
        }
        return pick;
    }

    private synchronized void launch(@Nullable Endpoint endpoint) {
        final HttpRequest copy = requireNonNull(request, "request").toHttpRequest();
        final ClientRequestContext attemptCtx = ctx.newDerivedContext(RequestId.random(), copy, null, endpoint);
        ctx.logBuilder().addChild(attemptCtx.log());
        if (endpoint != null) {
            tried.add(endpoint);
        }
        HttpResponse response;
        try (SafeCloseable ignored = attemptCtx.push()) {
            response = next.execute(attemptCtx, copy);
        } catch (Exception e) {
            response = HttpResponse.ofFailure(e);
        }
        final Attempt attempt = new Attempt(attemptCtx, response);
        attempts.add(attempt);
        response.aggregate().handle((res, cause) -> {
            onAnswer(attempt, res, cause);
            return null;
        });
    }

    private synchronized void onAnswer(
            Attempt attempt, @Nullable AggregatedHttpResponse res, @Nullable Throwable cause) {
        answered++;
        if (answer.isDone()) {
            return;
        }
        final int grpcStatus = res != null ? GrpcStatuses.of(res.headers(), res.trailers()) : -1;
        final ResponseClass outcome = grpcStatus >= 0
                ? classifier.classifyGrpc(grpcStatus)
                : classifier.classify(ctx.method(), res != null ? res.status() : null, cause);
        final boolean othersPending = answered < attempts.size();
        if (outcome != ResponseClass.SUCCESS && othersPending) {
            // Another attempt may still answer well; this failure is the answer only if it is the last.
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        // The hedge's last attempt: the hedge itself, or a retry of it, which the retry loop made a child of this
        // call's log beside it.
        ctx.logBuilder().endResponseWithChild(RetryLayer.lastAttemptLog(attempt.ctx()));
        // Decided before the others are aborted: an abort completes their answers at once, on this thread.
        if (res != null) {
            answer.complete(res.toHttpResponse());
        } else {
            answer.complete(HttpResponse.ofFailure(cause));
        }
        for (Attempt other : attempts) {
            if (other != attempt) {
                // No further retries of it, and the tries in flight are cancelled: their streams are reset, and
                // the slow instance stops working on them.
                other.response().abort();
                RetryLayer.cancel(other.ctx());
            }
        }
    }
}
