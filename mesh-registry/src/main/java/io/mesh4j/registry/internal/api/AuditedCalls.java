package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.audit.AuditLog;
import io.netty.util.AttributeKey;

/**
 * Runs an admin call so that what came of it is in the audit log before it is answered.
 *
 * <p>A log that cannot be written stops admin calls with 503 {@code unavailable} before they act: an operator
 * who keeps an audit log wants no action without its line. Only if the write fails between the action and its
 * answer (the disk filled up just then) is an action done but not in the file; it is then answered 503 saying
 * so, and written to the registry's log (stderr) in full, so it is never silent.
 */
final class AuditedCalls {

    /**
     * What a call did its action to, when it knows better than its path: a join token it made, say. Set by the
     * call on its context before it answers.
     */
    static final AttributeKey<String> TARGET = AttributeKey.valueOf(AuditedCalls.class, "TARGET");

    private static final Logger logger = LoggerFactory.getLogger(AuditedCalls.class);

    private final AuditLog log;

    AuditedCalls(AuditLog log) {
        this.log = log;
    }

    /** Serves the admin call {@code action} for {@code caller}, who may make it, and records what came of it. */
    HttpResponse serve(
            ServiceRequestContext ctx,
            HttpRequest req,
            String action,
            Function<ServiceRequestContext, String> target,
            String caller,
            HttpService service) {
        final CompletableFuture<HttpResponse> answer = CompletableFuture.runAsync(
                        () -> {
                            try {
                                log.checkWritable();
                            } catch (IOException e) {
                                throw new NotWritable(e);
                            }
                        },
                        ctx.blockingTaskExecutor())
                .thenComposeAsync(
                        ready -> {
                            try {
                                return service.serve(ctx, req).aggregate();
                            } catch (Exception e) {
                                return CompletableFuture.failedFuture(e);
                            }
                        },
                        ctx.eventLoop())
                .handleAsync(
                        (response, cause) -> {
                            if (cause != null && peel(cause) instanceof NotWritable notWritable) {
                                return unwritable(action, notWritable.getCause());
                            }
                            return recorded(ctx, action, target.apply(ctx), caller, response, cause);
                        },
                        ctx.blockingTaskExecutor());
        return HttpResponse.of(answer);
    }

    /**
     * As {@link #serve}, for a call whose answer streams as long as its caller reads (a tap): the answer is not
     * held to be recorded. What is recorded is whether the call started, once {@code service} has taken it (a
     * refusal of its arguments included), before any of its answer is read.
     */
    HttpResponse streamed(
            ServiceRequestContext ctx,
            HttpRequest req,
            String action,
            Function<ServiceRequestContext, String> target,
            String caller,
            HttpService service) {
        final CompletableFuture<HttpResponse> started = CompletableFuture.runAsync(
                        () -> {
                            try {
                                log.checkWritable();
                            } catch (IOException e) {
                                throw new NotWritable(e);
                            }
                        },
                        ctx.blockingTaskExecutor())
                .thenApplyAsync(
                        ready -> {
                            try {
                                return service.serve(ctx, req);
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        },
                        ctx.eventLoop());
        return HttpResponse.of(started.handleAsync(
                (response, cause) -> {
                    if (cause != null && peel(cause) instanceof NotWritable notWritable) {
                        return unwritable(action, notWritable.getCause());
                    }
                    final AuditLog.Outcome outcome = outcome(null, cause);
                    try {
                        log.record(action, target.apply(ctx), caller, remote(ctx), outcome);
                    } catch (IOException e) {
                        logger.error(
                                "cannot write to the audit log {}: {} by {} from {} was {} but is not recorded there",
                                log.file(),
                                action,
                                caller,
                                remote(ctx),
                                outcome.ok() ? "done" : "refused (" + outcome.reason() + ')',
                                e);
                        if (response != null) {
                            response.abort();
                        }
                        return JsonResponses.error(
                                ErrorCode.UNAVAILABLE,
                                "the audit log " + log.file() + " cannot be written (" + e + "); admin calls are "
                                        + "refused until it can: free the disk or fix the file's permissions");
                    }
                    return cause != null ? HttpResponse.ofFailure(peel(cause)) : requireNonNull(response, "response");
                },
                ctx.blockingTaskExecutor()));
    }

    /** Records that {@code caller} was refused {@code action}, and answers the refusal all the same. */
    HttpResponse refused(
            ServiceRequestContext ctx, String action, String target, String caller, HttpResponse refusal, String why) {
        return HttpResponse.of(CompletableFuture.supplyAsync(
                () -> {
                    try {
                        log.record(action, target, caller, remote(ctx), AuditLog.Outcome.refused(why));
                    } catch (IOException e) {
                        // Nothing was done, so the refusal stands; the failure must still be seen.
                        logger.error(
                                "cannot write to the audit log {}: refused {} of {} by {} from {}: {}",
                                log.file(),
                                action,
                                target,
                                caller,
                                remote(ctx),
                                why,
                                e);
                    }
                    return refusal;
                },
                ctx.blockingTaskExecutor()));
    }

    private HttpResponse recorded(
            ServiceRequestContext ctx,
            String action,
            String defaultTarget,
            String caller,
            @Nullable AggregatedHttpResponse response,
            @Nullable Throwable cause) {
        final String target = requireNonNullElse(ctx.attr(TARGET), defaultTarget);
        final AuditLog.Outcome outcome = outcome(response, cause);
        try {
            log.record(action, target, caller, remote(ctx), outcome);
        } catch (IOException e) {
            logger.error(
                    "cannot write to the audit log {}: {} of {} by {} from {} was {} but is not recorded there",
                    log.file(),
                    action,
                    target,
                    caller,
                    remote(ctx),
                    outcome.ok() ? "done" : "refused (" + outcome.reason() + ')',
                    e);
            return JsonResponses.error(
                    ErrorCode.UNAVAILABLE,
                    action + " of " + target + " was " + (outcome.ok() ? "done" : "refused")
                            + ", but the audit log " + log.file() + " cannot be written (" + e + "); admin calls are "
                            + "refused until it can: free the disk or fix the file's permissions");
        }
        if (cause != null) {
            // Answered as any failure is, by the JSON error handler.
            return HttpResponse.ofFailure(peel(cause));
        }
        return requireNonNullElse(response, AggregatedHttpResponse.of(500)).toHttpResponse();
    }

    private HttpResponse unwritable(String action, IOException e) {
        logger.error("cannot write to the audit log {}: refusing {} before doing it", log.file(), action, e);
        return JsonResponses.error(
                ErrorCode.UNAVAILABLE,
                "the audit log " + log.file() + " cannot be written (" + e + "), so " + action + " was not done: "
                        + "free the disk or fix the file's permissions, then try again");
    }

    private static AuditLog.Outcome outcome(@Nullable AggregatedHttpResponse response, @Nullable Throwable cause) {
        if (cause != null) {
            final Throwable peeled = peel(cause);
            if (peeled instanceof InvalidInputException invalid) {
                return AuditLog.Outcome.refused(invalid.getMessage());
            }
            if (peeled instanceof ContentTooLargeException) {
                return AuditLog.Outcome.refused("the body is over " + RegistryApi.MAX_BODY_BYTES / 1024 + " KiB");
            }
            return AuditLog.Outcome.refused("the registry failed: " + peeled);
        }
        if (response == null || response.status().isSuccess()) {
            return AuditLog.Outcome.OK;
        }
        try {
            return AuditLog.Outcome.refused(RegistryJson.parseError(
                            response.status().code(), response.content().array())
                    .message());
        } catch (RuntimeException e) {
            return AuditLog.Outcome.refused(response.status().toString());
        }
    }

    static String remote(ServiceRequestContext ctx) {
        final InetSocketAddress address = ctx.remoteAddress();
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }

    /** The audit log could not be opened before an action: the action is not done. */
    private static final class NotWritable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotWritable(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) requireNonNull(super.getCause(), "cause");
        }
    }

    private static Throwable peel(Throwable cause) {
        Throwable peeled = cause;
        while ((peeled instanceof CompletionException || peeled instanceof ExecutionException)
                && peeled.getCause() != null) {
            peeled = peeled.getCause();
        }
        return peeled;
    }
}
