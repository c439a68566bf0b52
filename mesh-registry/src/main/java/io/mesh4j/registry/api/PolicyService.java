package io.mesh4j.registry.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.registry.ErrorCode;
import io.mesh4j.core.registry.PolicyJson;
import io.mesh4j.core.registry.RegistryClient;
import io.mesh4j.core.registry.WatchParams;
import io.mesh4j.registry.policies.PolicyStore;

/**
 * {@code /v1/policies/{service}}: GET reads or watches a service's access policy (with {@code index} and
 * {@code wait}, as instances are watched), PUT puts one in force, DELETE removes it.
 */
final class PolicyService {

    private final PolicyStore policies;

    PolicyService(PolicyStore policies) {
        this.policies = policies;
    }

    HttpResponse get(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final @Nullable String indexParam = ctx.queryParam("index");
        final @Nullable String waitParam = ctx.queryParam("wait");
        final long index = indexParam == null ? -1 : WatchParams.parseIndex(indexParam);
        final Duration wait = waitParam == null ? WatchParams.DEFAULT_WAIT : WatchParams.parseWait(waitParam);
        if (indexParam == null) {
            return snapshot(policies.get(service));
        }
        ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(WatchService.TIMEOUT_MARGIN));
        final CompletableFuture<PolicyJson.PolicySnapshot> answer = policies.watch(service, index, wait);
        ctx.whenRequestCancelling().thenRun(() -> answer.cancel(false));
        return HttpResponse.of(answer.handle((snapshot, cause) -> {
            if (cause == null) {
                return snapshot(snapshot);
            }
            // Nobody is left to read this (the caller left); answered only so that it is not logged as a fault.
            return JsonResponses.error(ErrorCode.UNAVAILABLE, "the watch was cancelled");
        }));
    }

    HttpResponse put(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        return HttpResponse.of(req.aggregate().thenApplyAsync(body -> {
            final AccessPolicy policy = PolicyJson.parsePolicy(body.content().array());
            try {
                return JsonResponses.index(policies.put(service, policy));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, ctx.blockingTaskExecutor()));
    }

    HttpResponse delete(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> {
            try {
                return JsonResponses.index(policies.delete(service));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, ctx.blockingTaskExecutor()));
    }

    private static HttpResponse snapshot(PolicyJson.PolicySnapshot snapshot) {
        return HttpResponse.of(ResponseHeaders.builder(200)
                                       .contentType(MediaType.JSON_UTF_8)
                                       .set(RegistryClient.INDEX_HEADER, Long.toString(snapshot.index()))
                                       .build(),
                               HttpData.wrap(PolicyJson.writeSnapshot(snapshot)));
    }
}
