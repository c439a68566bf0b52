package io.mesh4j.client.internal.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.client.endpoint.EndpointSelector;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Bounds how long a call waits for an endpoint by the call's own timeout, and fails it then saying why there is
 * none, naming the service.
 *
 * <p>Armeria picks a call's endpoint before any layer runs, DEADLINE included; when there is none yet it waits for
 * the endpoint group's selection timeout (the connect timeout, 3.2 s) whatever the call's timeout, and then fails
 * with a message that names neither the service nor the reason. So the groups a mesh client picks from wait
 * without end ({@link #UNBOUNDED}), and this strategy, around the balancer's, ends the wait at the call's
 * deadline: the one its DEADLINE layer will enforce, started here so that the wait counts against it.
 *
 * <p>A pick that finds an endpoint at once, as nearly all do, costs one delegated {@code selectNow}.
 */
public final class EndpointWait implements EndpointSelectionStrategy {

    /** The selection timeout of the groups this strategy picks from: this strategy bounds the wait instead. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private final EndpointSelectionStrategy delegate;
    private final ServiceName service;
    private final Function<ClientRequestContext, @Nullable Duration> callTimeout;
    private final Function<ClientRequestContext, Duration> waitWithoutTimeout;
    private final Ticker ticker;
    private final Supplier<String> whyNone;

    /**
     * @param callTimeout the timeout of a call, as its DEADLINE layer will set it; null for a call without one
     *     (a gRPC stream with no timeout set)
     * @param waitWithoutTimeout how long a call without a timeout waits for an endpoint: its stream may last for
     *     hours, its wait for somewhere to go must not
     * @param whyNone     why the service has no endpoint, for the message
     */
    public EndpointWait(
            EndpointSelectionStrategy delegate,
            ServiceName service,
            Function<ClientRequestContext, @Nullable Duration> callTimeout,
            Function<ClientRequestContext, Duration> waitWithoutTimeout,
            Ticker ticker,
            Supplier<String> whyNone) {
        this.delegate = requireNonNull(delegate, "delegate");
        this.service = requireNonNull(service, "service");
        this.callTimeout = requireNonNull(callTimeout, "callTimeout");
        this.waitWithoutTimeout = requireNonNull(waitWithoutTimeout, "waitWithoutTimeout");
        this.ticker = requireNonNull(ticker, "ticker");
        this.whyNone = requireNonNull(whyNone, "whyNone");
    }

    @Override
    public EndpointSelector newSelector(EndpointGroup group) {
        return new Selector(delegate.newSelector(group));
    }

    private final class Selector implements EndpointSelector {

        private final EndpointSelector delegate;

        Selector(EndpointSelector delegate) {
            this.delegate = delegate;
        }

        @Override
        public @Nullable Endpoint selectNow(ClientRequestContext ctx) {
            return delegate.selectNow(ctx);
        }

        /** Waits for an endpoint until the call's deadline, whatever the endpoint group's selection timeout. */
        @Override
        public CompletableFuture<Endpoint> select(ClientRequestContext ctx, ScheduledExecutorService executor) {
            final @Nullable Endpoint now = delegate.selectNow(ctx);
            if (now != null) {
                return CompletableFuture.completedFuture(now);
            }
            final long waitNanos = Math.max(0, waitNanosOf(ctx));
            final CompletableFuture<Endpoint> result = new CompletableFuture<>();
            if (waitNanos == 0) {
                result.completeExceptionally(noEndpoint(0));
                return result;
            }
            // The groups' own selection timeout is UNBOUNDED: this timer alone ends the wait.
            final CompletableFuture<Endpoint> selected = delegate.select(ctx, executor);
            final ScheduledFuture<?> timer = executor.schedule(
                    () -> {
                        if (result.completeExceptionally(noEndpoint(waitNanos))) {
                            selected.cancel(false);
                        }
                    },
                    waitNanos,
                    TimeUnit.NANOSECONDS);
            selected.whenComplete((endpoint, cause) -> {
                timer.cancel(false);
                if (endpoint != null) {
                    result.complete(endpoint);
                } else {
                    result.completeExceptionally(cause != null ? cause : noEndpoint(waitNanos));
                }
            });
            return result;
        }

        /** As {@link #select(ClientRequestContext, ScheduledExecutorService)}: the call's deadline bounds the wait. */
        @Deprecated
        @Override
        public CompletableFuture<Endpoint> select(
                ClientRequestContext ctx, ScheduledExecutorService executor, long selectionTimeoutMillis) {
            return select(ctx, executor);
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }

    /**
     * How long the call may wait: until its deadline, the one already on it (a retry's), else one started now
     * from the call's timeout, which DEADLINE then keeps to. A call without a timeout gets no deadline here (one
     * would bound its stream), only a bounded wait.
     */
    private long waitNanosOf(ClientRequestContext ctx) {
        final @Nullable Deadline own = CallState.deadlineOf(ctx);
        final @Nullable ServiceRequestContext root = ctx.root();
        // A deadline found through the served request is the caller's caller's, not this call's.
        if (own != null && (root == null || own != Deadline.of(root))) {
            return own.remainingNanos();
        }
        final @Nullable Duration timeout = callTimeout.apply(ctx);
        if (timeout == null) {
            return waitWithoutTimeout.apply(ctx).toNanos();
        }
        final Deadline started = Deadline.after(timeout, ticker);
        CallState.of(ctx).deadline(started);
        return started.remainingNanos();
    }

    private NoEndpointException noEndpoint(long waitedNanos) {
        return new NoEndpointException(
                service,
                "no endpoint of " + service + " to call within " + TimeUnit.NANOSECONDS.toMillis(waitedNanos + 500_000)
                        + " ms: " + whyNone.get());
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
