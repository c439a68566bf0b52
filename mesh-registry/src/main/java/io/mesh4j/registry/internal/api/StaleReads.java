package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.util.function.BooleanSupplier;
import java.util.function.Function;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;

/**
 * Flags every read a replica answers while it cannot reach etcd: {@code X-Mesh-Stale: true}. The answer is what
 * the replica last heard, which may be behind the cluster; the header is decided when the answer is sent, so that
 * a watch held across the start of an outage says so too.
 */
public final class StaleReads {

    /** The header a replica sets on a read it answers from memory while etcd does not answer it. */
    public static final String HEADER = "x-mesh-stale";

    /** Decorates every service of a replica, given whether it is stale now. */
    public static Function<? super HttpService, ? extends HttpService> of(BooleanSupplier stale) {
        requireNonNull(stale, "stale");
        final DecoratingHttpServiceFunction function = (delegate, ctx, req) -> {
            if (req.method() != HttpMethod.GET) {
                return delegate.serve(ctx, req);
            }
            return delegate.serve(ctx, req)
                    .mapHeaders(headers -> stale.getAsBoolean()
                            ? headers.toBuilder().set(HEADER, "true").build()
                            : headers);
        };
        return delegate -> delegate.decorate(function);
    }

    private StaleReads() {}
}
