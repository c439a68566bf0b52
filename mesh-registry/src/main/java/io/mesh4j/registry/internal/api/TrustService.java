package io.mesh4j.registry.internal.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.core.internal.registry.TrustJson.TrustSnapshot;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * {@code GET /v1/identity/trust?index=N&wait=30s}: the mesh's trust state (roots in force, revocations), read at once
 * without {@code index} and watched with it, as a service's instances are.
 */
final class TrustService {

    private record Answer(long index, byte[] json) {}

    private final MeshTrust trust;
    /** The latest answer, written once per index and shared by every member that one change wakes. */
    private volatile @Nullable Answer latest;

    TrustService(MeshTrust trust) {
        this.trust = trust;
    }

    HttpResponse get(ServiceRequestContext ctx, HttpRequest req) {
        final @Nullable String indexParam = ctx.queryParam("index");
        final @Nullable String waitParam = ctx.queryParam("wait");
        final long index = indexParam == null ? -1 : WatchParams.parseIndex(indexParam);
        final Duration wait = waitParam == null ? WatchParams.DEFAULT_WAIT : WatchParams.parseWait(waitParam);
        if (indexParam == null) {
            return answer(trust.current());
        }
        ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(WatchService.TIMEOUT_MARGIN));
        final CompletableFuture<TrustSnapshot> watch = trust.watch(index, wait);
        ctx.whenRequestCancelling().thenRun(() -> watch.cancel(false));
        return HttpResponse.of(watch.handleAsync(
                (snapshot, cause) -> cause == null
                        ? answer(snapshot)
                        : JsonResponses.error(ErrorCode.UNAVAILABLE, "the watch was cancelled"),
                ctx.eventLoop()));
    }

    private HttpResponse answer(TrustSnapshot snapshot) {
        Answer answer = latest;
        if (answer == null || answer.index() != snapshot.index()) {
            answer = new Answer(snapshot.index(), TrustJson.writeSnapshot(snapshot));
            latest = answer;
        }
        return JsonResponses.indexed(snapshot.index(), HttpData.wrap(answer.json()));
    }
}
