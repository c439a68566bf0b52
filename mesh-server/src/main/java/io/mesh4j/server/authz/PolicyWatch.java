package io.mesh4j.server.authz;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.backoff.FullJitterBackoff;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.registry.PolicyJson.PolicySnapshot;
import io.mesh4j.core.registry.RegistryClient;
import io.mesh4j.core.registry.WatchParams;

/**
 * Keeps a service's {@link PushedPolicy} current with a long-poll watch on the registry, so that a policy the
 * operator pushes is in force within a round trip. When the registry is away the policy in force stays (fail
 * static), said once in the log.
 */
public final class PolicyWatch implements SafeCloseable {

    private static final Logger logger = LoggerFactory.getLogger(PolicyWatch.class);

    private final RegistryClient registry;
    private final ServiceName service;
    private final PushedPolicy target;
    private final ScheduledExecutorService scheduler;
    private final FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(100), Duration.ofSeconds(5));

    // Guarded by this. -1 until the first answer: the first call reads at once rather than waits for a change.
    private long index = -1;
    private int consecutiveFailures;
    private boolean closed;
    private @Nullable CompletableFuture<PolicySnapshot> pending;
    private @Nullable ScheduledFuture<?> retry;
    private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();

    public PolicyWatch(RegistryClient registry, ServiceName service, PushedPolicy target,
                       ScheduledExecutorService scheduler) {
        this.registry = requireNonNull(registry, "registry");
        this.service = requireNonNull(service, "service");
        this.target = requireNonNull(target, "target");
        this.scheduler = requireNonNull(scheduler, "scheduler");
    }

    /**
     * Starts watching; the future completes once the registry has answered once (the policy in force is known)
     * or failed to (the annotations apply until it answers).
     */
    public synchronized CompletableFuture<Void> start() {
        watchNext();
        return firstAnswer;
    }

    private synchronized void watchNext() {
        if (closed) {
            return;
        }
        final CompletableFuture<PolicySnapshot> watch =
                index < 0 ? registry.policy(service)
                          : registry.watchPolicy(service, index, WatchParams.DEFAULT_WAIT);
        pending = watch;
        watch.whenComplete(this::onAnswer);
    }

    private synchronized void onAnswer(@Nullable PolicySnapshot snapshot, @Nullable Throwable cause) {
        pending = null;
        if (closed) {
            return;
        }
        if (snapshot == null) {
            consecutiveFailures++;
            if (consecutiveFailures == 1) {
                logger.warn("{}: cannot watch its access policy on registry {} ({}); keeping the one in force",
                            service, registry.uri(),
                            cause != null ? Exceptions.peel(cause).toString() : "no answer");
            }
            retry = scheduler.schedule(this::watchNext, backoff.nextDelayMillis(consecutiveFailures),
                                       TimeUnit.MILLISECONDS);
            firstAnswer.complete(null);
            return;
        }
        consecutiveFailures = 0;
        if (snapshot.index() != index) {
            index = snapshot.index();
            target.replace(snapshot.policy());
            if (snapshot.policy() != null) {
                logger.info("{}: access policy from the registry in force ({} rules, index {})", service,
                            snapshot.policy().rules().size(), index);
            } else if (index > 0) {
                logger.info("{}: the registry's access policy was removed; the annotations apply", service);
            }
        }
        firstAnswer.complete(null);
        watchNext();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
        }
        if (pending != null) {
            pending.cancel(false);
        }
    }
}
