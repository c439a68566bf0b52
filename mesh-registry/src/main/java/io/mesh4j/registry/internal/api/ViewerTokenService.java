package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.registry.internal.tokens.ViewerTokens;

/**
 * The operator's calls on viewer tokens ({@code /v1/admin/viewer-tokens}): make one, list them without their
 * secrets, revoke one. {@link Access} lets them through with the admin token only.
 */
final class ViewerTokenService {

    private final ViewerTokens tokens;

    ViewerTokenService(ViewerTokens tokens) {
        this.tokens = tokens;
    }

    /** {@code POST}: {@code {"name", "ttlSeconds"}}; answers 201 with the token, shown this once. */
    HttpResponse create(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final IdentityJson.ViewerTokenRequest request = IdentityJson.parseViewerTokenRequest(
                                    body.content().array());
                            final ViewerTokens.NewToken made;
                            try {
                                made = tokens.create(request.name(), request.ttl());
                            } catch (IllegalArgumentException e) {
                                throw new InvalidInputException(
                                        ErrorCode.INVALID_FIELD, requireNonNullElse(e.getMessage(), e.toString()));
                            }
                            ctx.setAttr(
                                    AuditedCalls.TARGET,
                                    "viewer token " + made.entry().id() + " ("
                                            + made.entry().name() + ")");
                            return HttpResponse.of(
                                    HttpStatus.CREATED,
                                    MediaType.JSON_UTF_8,
                                    IdentityJson.writeViewerToken(info(made.entry(), made.value())));
                        },
                        ctx.blockingTaskExecutor()));
    }

    /** {@code GET}: every viewer token, never a secret. */
    HttpResponse list(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(CompletableFuture.supplyAsync(
                () -> {
                    final List<IdentityJson.ViewerTokenInfo> infos = new ArrayList<>();
                    for (ViewerTokens.Entry entry : tokens.list()) {
                        infos.add(info(entry, null));
                    }
                    return JsonResponses.ok(IdentityJson.writeViewerTokens(infos));
                },
                ctx.blockingTaskExecutor()));
    }

    /** {@code DELETE .../{id}}: revoked from the next request on. */
    HttpResponse revoke(ServiceRequestContext ctx, HttpRequest req) {
        final String id = ctx.pathParam("id");
        return HttpResponse.of(CompletableFuture.supplyAsync(
                () -> tokens.revoke(id)
                        ? JsonResponses.ok("{\"revoked\":true}".getBytes(StandardCharsets.UTF_8))
                        : JsonResponses.error(
                                ErrorCode.NOT_FOUND,
                                "no viewer token " + id + " (meshctl token list --viewer lists them)"),
                ctx.blockingTaskExecutor()));
    }

    private IdentityJson.ViewerTokenInfo info(
            ViewerTokens.Entry entry, @org.jspecify.annotations.Nullable String value) {
        return new IdentityJson.ViewerTokenInfo(
                entry.id(),
                value,
                entry.name(),
                entry.createdAt(),
                entry.expiresAt(),
                entry.revoked(),
                tokens.expired(entry));
    }
}
