package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.documents.DocumentStore.Versioned;
import io.mesh4j.registry.internal.documents.IndexConflictException;

/**
 * A per-service document's calls, such as {@code /v1/policies/{service}}: GET reads it, or watches it with
 * {@code index} and {@code wait} as instances are watched; PUT puts one in force after reading it strictly (the
 * one in force stays when it is refused); DELETE removes it.
 *
 * <p>PUT and DELETE take the {@code index} the caller read, as a watch does: the write then happens only if the
 * service's index is still that one, else it is refused with 409 {@code conflict} naming the index in force (also
 * in {@code X-Mesh-Index}), so that a read-modify-write never undoes a change its writer did not see. Without
 * {@code index}, a write replaces whatever is in force, as it always did.
 *
 * @param <T> the document
 */
final class DocumentService<T> {

    /** What the document is called in messages, such as {@code route config}. */
    private final String kind;
    /** The path of the calls without the service, such as {@code /v1/routes/}. */
    private final String pathPrefix;

    private final DocumentStore<T> store;
    private final Function<byte[], T> parser;
    private final LatestAnswers<T> answers;
    private final BiFunction<ServiceName, T, List<String>> warnings;

    /**
     * @param kind     what the document is called in messages, such as {@code route config}
     * @param pathPrefix the path of the calls up to the service, such as {@code /v1/routes/}
     * @param parser   reads a PUT body strictly, throwing {@code InvalidInputException}
     * @param answer   writes what a GET answers
     * @param warnings what is worth saying about an accepted document (it names a subset with no instance, say)
     */
    DocumentService(
            String kind,
            String pathPrefix,
            DocumentStore<T> store,
            Function<byte[], T> parser,
            Function<Versioned<T>, byte[]> answer,
            BiFunction<ServiceName, T, List<String>> warnings) {
        this.kind = requireNonNull(kind, "kind");
        this.pathPrefix = requireNonNull(pathPrefix, "pathPrefix");
        this.store = requireNonNull(store, "store");
        this.parser = requireNonNull(parser, "parser");
        answers = new LatestAnswers<>(requireNonNull(answer, "answer"));
        this.warnings = requireNonNull(warnings, "warnings");
    }

    HttpResponse get(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final @Nullable String indexParam = ctx.queryParam("index");
        final @Nullable String waitParam = ctx.queryParam("wait");
        final long index = indexParam == null ? -1 : WatchParams.parseIndex(indexParam);
        final Duration wait = waitParam == null ? WatchParams.DEFAULT_WAIT : WatchParams.parseWait(waitParam);
        if (indexParam == null) {
            return versioned(service, store.get(service));
        }
        ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(WatchService.TIMEOUT_MARGIN));
        final CompletableFuture<Versioned<T>> watch = store.watch(service, index, wait);
        ctx.whenRequestCancelling().thenRun(() -> watch.cancel(false));
        // Answered on this request's event loop, not on the thread that wakes every watch of a change in turn; the
        // loop without Armeria's context wrapper, which would capture that thread's context once per watch.
        return HttpResponse.of(watch.handleAsync(
                (versioned, cause) -> {
                    if (cause == null) {
                        return versioned(service, versioned);
                    }
                    // Nobody is left to read this (the caller left); answered only so that it is not logged as a fault.
                    return JsonResponses.error(ErrorCode.UNAVAILABLE, "the watch was cancelled");
                },
                ctx.eventLoop().withoutContext()));
    }

    HttpResponse put(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final long expected = expectedIndex(ctx);
        final boolean dryRun = dryRun(ctx);
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final T document = parser.apply(body.content().array());
                            if (dryRun) {
                                return dryRun(service, document);
                            }
                            final long index;
                            try {
                                index = store.put(service, document, expected);
                            } catch (IndexConflictException e) {
                                return conflict(service, e, "PUT your config");
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            final ObjectNode accepted =
                                    JsonNodeFactory.instance.objectNode().put("index", index);
                            final List<String> said = warnings.apply(service, document);
                            if (!said.isEmpty()) {
                                final ArrayNode array = accepted.putArray("warnings");
                                said.forEach(array::add);
                            }
                            return JsonResponses.ok(accepted.toString().getBytes(StandardCharsets.UTF_8));
                        },
                        ctx.blockingTaskExecutor()));
    }

    HttpResponse delete(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final long expected = expectedIndex(ctx);
        return HttpResponse.of(CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return JsonResponses.index(store.delete(service, expected));
                    } catch (IndexConflictException e) {
                        return conflict(service, e, "DELETE again");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                ctx.blockingTaskExecutor()));
    }

    /**
     * What a PUT with {@code ?dryRun=true} answers: the document was read and checked as a PUT would, with the same
     * warnings, and nothing was stored: {@code {"dryRun": true, "index": <in force now>, "warnings": [...]}}. A
     * conditional {@code index} is not compared: the write that follows says whether it still holds.
     */
    private HttpResponse dryRun(ServiceName service, T document) {
        final long inForce = store.get(service).index();
        final ObjectNode answer =
                JsonNodeFactory.instance.objectNode().put("dryRun", true).put("index", inForce);
        final ArrayNode array = answer.putArray("warnings");
        warnings.apply(service, document).forEach(array::add);
        return JsonResponses.ok(answer.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A write's {@code dryRun}: {@code true} checks it and stores nothing; absent or {@code false}, it is stored. */
    static boolean dryRun(ServiceRequestContext ctx) {
        final @Nullable String value = ctx.queryParam("dryRun");
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new InvalidInputException(
                ErrorCode.INVALID_QUERY,
                "dryRun: '" + value + "' (expected: true, to check without storing, or false)");
    }

    /** How many services have an answer kept for their reads and watches. */
    int answersHeld() {
        return answers.size();
    }

    /** A write's {@code index}, the index its writer read; {@link DocumentStore#ANY_INDEX} without one. */
    private static long expectedIndex(ServiceRequestContext ctx) {
        final @Nullable String indexParam = ctx.queryParam("index");
        return indexParam == null ? DocumentStore.ANY_INDEX : WatchParams.parseIndex(indexParam);
    }

    private HttpResponse conflict(ServiceName service, IndexConflictException e, String retry) {
        final String path = pathPrefix + service.value();
        final String message = "the " + kind + " of " + service + " is at index " + e.inForce() + ", not "
                + e.expected() + ": it changed since you read it, and nothing was written. Read it again (GET "
                + path + "), make your change to what is in force, and " + retry + " with ?index=" + e.inForce();
        return JsonResponses.error(ErrorCode.CONFLICT, message)
                .mapHeaders(headers -> headers.toBuilder()
                        .set(RegistryClient.INDEX_HEADER, Long.toString(e.inForce()))
                        .build());
    }

    private HttpResponse versioned(ServiceName service, Versioned<T> versioned) {
        return JsonResponses.indexed(versioned.index(), answers.of(service, versioned));
    }
}
