package io.mesh4j.server.internal.registration;

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

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * Keeps one instance registered for as long as it serves.
 *
 * <ul>
 *   <li>registers at {@link #start()}, and keeps trying with full-jitter backoff while the registry is away;</li>
 *   <li>heartbeats every third of the TTL, so that two heartbeats can be lost before the instance expires;</li>
 *   <li>registers again when a heartbeat answers 404: the instance expired during a partition, or the registry
 *       came back without its data;</li>
 *   <li>at {@link #stop(Duration)}, waits for the call in flight, then deregisters, so that a late heartbeat cannot
 *       bring the instance back after it left.</li>
 * </ul>
 * A registry that is away is logged once when it goes and once when it comes back, never per heartbeat.
 */
public final class Registrar {

    private static final Logger logger = LoggerFactory.getLogger(Registrar.class);

    private final RegistryClient registry;
    private final ServiceName service;
    private final InstanceId id;
    private final Registration registration;
    private final ScheduledExecutorService scheduler;
    private final FullJitterBackoff backoff;
    private final Duration heartbeatInterval;
    private final CompletableFuture<Long> firstRegistration = new CompletableFuture<>();

    // Guarded by this.
    private boolean stopped;
    private int consecutiveFailures;
    private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);
    private @Nullable ScheduledFuture<?> next;

    public Registrar(
            RegistryClient registry,
            ServiceName service,
            InstanceId id,
            Registration registration,
            ScheduledExecutorService scheduler) {
        this.registry = requireNonNull(registry, "registry");
        this.service = requireNonNull(service, "service");
        this.id = requireNonNull(id, "id");
        this.registration = requireNonNull(registration, "registration");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        heartbeatInterval = registration.ttl().dividedBy(3);
        backoff = FullJitterBackoff.of(
                Duration.ofMillis(100),
                heartbeatInterval.compareTo(Duration.ofMillis(100)) > 0 ? heartbeatInterval : Duration.ofMillis(100));
    }

    /**
     * Starts registering; the future completes with the registry's index once the first registration is in.
     */
    public synchronized CompletableFuture<Long> start() {
        register();
        return firstRegistration;
    }

    /**
     * Whether the registry has this instance, as far as the last call to it said.
     */
    public synchronized boolean isRegistered() {
        return firstRegistration.isDone() && consecutiveFailures == 0 && !stopped;
    }

    /**
     * Stops heartbeating and removes the instance from the registry; completes when the registry has answered
     * or {@code timeout} passed, whichever is first. A failure to deregister is logged, not thrown: the
     * instance then expires after its TTL.
     */
    public CompletableFuture<Void> stop(Duration timeout) {
        final CompletableFuture<?> pending;
        synchronized (this) {
            if (stopped) {
                return CompletableFuture.completedFuture(null);
            }
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
            pending = inFlight;
        }
        return pending.handle((unused, cause) -> null)
                .thenCompose(unused -> registry.deregister(service, id))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((unused, cause) -> {
                    if (cause == null) {
                        logger.info("{}/{}: deregistered", service, id);
                    } else {
                        logger.warn(
                                "{}/{}: could not deregister ({}); the registry drops it after its " + "TTL of {}s",
                                service,
                                id,
                                Exceptions.peel(cause).toString(),
                                registration.ttl().toSeconds());
                    }
                    return null;
                });
    }

    private synchronized void register() {
        if (stopped) {
            return;
        }
        inFlight = registry.register(service, id, registration).whenComplete((index, cause) -> {
            synchronized (this) {
                if (cause != null) {
                    onFailure("register", cause, this::register);
                    return;
                }
                onSuccess();
                logger.info(
                        "{}/{}: registered at {}:{} (index {})",
                        service,
                        id,
                        registration.host(),
                        registration.port(),
                        index);
                firstRegistration.complete(index);
                schedule(this::heartbeat, heartbeatInterval.toMillis());
            }
        });
    }

    private synchronized void heartbeat() {
        if (stopped) {
            return;
        }
        inFlight = registry.heartbeat(service, id).whenComplete((known, cause) -> {
            synchronized (this) {
                if (cause != null) {
                    onFailure("heartbeat", cause, this::heartbeat);
                    return;
                }
                onSuccess();
                if (known) {
                    schedule(this::heartbeat, heartbeatInterval.toMillis());
                } else {
                    logger.info(
                            "{}/{}: the registry no longer knows this instance (it expired, or the registry "
                                    + "lost its data); registering again",
                            service,
                            id);
                    register();
                }
            }
        });
    }

    private void onSuccess() {
        if (consecutiveFailures > 0) {
            logger.info(
                    "{}/{}: registry {} answers again after {} failed calls",
                    service,
                    id,
                    registry.uri(),
                    consecutiveFailures);
            consecutiveFailures = 0;
        }
    }

    private void onFailure(String what, Throwable cause, Runnable retry) {
        consecutiveFailures++;
        if (consecutiveFailures == 1) {
            logger.warn(
                    "{}/{}: cannot {} with registry {} ({}); still serving, and trying again until it " + "answers",
                    service,
                    id,
                    what,
                    registry.uri(),
                    Exceptions.peel(cause).toString());
        }
        schedule(retry, backoff.nextDelayMillis(consecutiveFailures));
    }

    private void schedule(Runnable task, long delayMillis) {
        if (!stopped) {
            next = scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized String toString() {
        return "Registrar(" + service + '/' + id + ", registered=" + isRegistered() + ')';
    }
}
