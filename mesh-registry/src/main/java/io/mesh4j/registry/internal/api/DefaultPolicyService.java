package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.registry.internal.documents.MeshDefaultPolicy;

/**
 * {@code /v1/default-policy}: GET reads the mesh-wide default policy, PUT {@code {"default": "allow" | "deny"}}
 * changes it; every member hears a change through its access-policy watch, which carries the default.
 */
final class DefaultPolicyService {

    private final MeshDefaultPolicy meshDefault;

    DefaultPolicyService(MeshDefaultPolicy meshDefault) {
        this.meshDefault = requireNonNull(meshDefault, "meshDefault");
    }

    HttpResponse get(ServiceRequestContext ctx, HttpRequest req) {
        return JsonResponses.ok(PolicyJson.writeDefault(meshDefault.current()));
    }

    HttpResponse put(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final DefaultPolicy wanted =
                                    PolicyJson.parseDefault(body.content().array());
                            try {
                                return JsonResponses.ok(PolicyJson.writeDefault(meshDefault.set(wanted)));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        },
                        ctx.blockingTaskExecutor()));
    }
}
