package io.mesh4j.client.internal.discovery;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.endpoint.DynamicEndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.netty.util.AttributeKey;

/**
 * The endpoints of one service, kept current by a watch on the registry. The watch is incremental
 * ({@code changes=true}): the registry answers what changed since the index held, applied here to the instances
 * held, and the whole list only when its history does not reach back.
 *
 * <p>By default it is a watch stream ({@code stream=true}): one response the registry keeps open and writes each
 * change to as it happens, so a change costs the registry one write per watcher and no request. When a stream ends
 * (the registry stopped, cut it, or says it is stale) or cannot be opened, the next watch is one long poll, which
 * moves to another registry replica as every call does, with its backoff, and resumes there by the index held;
 * its answer opens a stream again. A registry that does not offer streams (it answers the stream's request with
 * a long poll's answer, as registries before streams do, or refuses it with 400) is long-polled from then on: each
 * answer replaces the endpoints and the next watch starts at once from the answer's index.
 *
 * <p>When the registry cannot be reached, the group keeps the endpoints it last had (fail static: a control
 * plane outage must not become a data plane outage), says so once in the log, and watches again with
 * full-jitter backoff until the registry answers, which it also says once.
 */
public final class RegistryEndpointGroup extends DynamicEndpointGroup {

    /** The registry's id of the instance behind an endpoint. */
    public static final AttributeKey<InstanceId> INSTANCE_ID =
            AttributeKey.valueOf(RegistryEndpointGroup.class, "INSTANCE_ID");
    /** The zone the instance behind an endpoint registered in; empty when unknown. */
    public static final AttributeKey<String> ZONE = AttributeKey.valueOf(RegistryEndpointGroup.class, "ZONE");
    /** The metadata the instance behind an endpoint registered with, such as {@code version=v2}; subsets use it. */
    public static final AttributeKey<Map<String, String>> METADATA =
            AttributeKey.valueOf(RegistryEndpointGroup.class, "METADATA");

    private static final Logger logger = LoggerFactory.getLogger(RegistryEndpointGroup.class);

    private final RegistryClient registry;
    private final ServiceName service;
    private final Duration wait;
    private final FullJitterBackoff backoff;
    private final ScheduledExecutorService scheduler;
    private final Consumer<InstancesSnapshot> onAnswer;
    private final boolean incremental;
    private final boolean streaming;
    private final Duration heartbeat;

    // Guarded by this.
    private long index;
    private int consecutiveFailures;
    private boolean started;
    private boolean answered;
    private long answers;
    private long fullAnswers;
    private long changeAnswers;
    private long streamedAnswers;
    /** The next watch is a long poll: the last stream ended or failed, and a long poll fails over. */
    private boolean pollNext;
    /** The registry replica that answered a stream's request with a long poll's answer: it does not stream. */
    private @Nullable URI noStreams;
    /** The instances at {@link #index}, sorted by id: what an incremental answer's changes apply to. */
    private List<Instance> instances = List.of();

    private @Nullable Throwable lastFailure;
    private @Nullable CompletableFuture<?> pendingWatch;
    private @Nullable ScheduledFuture<?> pendingRetry;

    RegistryEndpointGroup(
            RegistryClient registry,
            ServiceName service,
            Duration wait,
            FullJitterBackoff backoff,
            ScheduledExecutorService scheduler,
            EndpointSelectionStrategy selectionStrategy,
            @Nullable List<Instance> lastKnown,
            Consumer<InstancesSnapshot> onAnswer,
            boolean incremental,
            boolean streaming,
            Duration heartbeat) {
        // Empty is allowed: a service whose last instance left has no endpoints, and requests wait for one.
        super(selectionStrategy, true);
        this.registry = registry;
        this.service = service;
        this.wait = wait;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.onAnswer = onAnswer;
        this.incremental = incremental;
        this.streaming = streaming;
        this.heartbeat = heartbeat;
        if (lastKnown != null) {
            // From the state directory: served until the registry's first answer replaces them.
            setEndpoints(toEndpoints(lastKnown));
        }
    }

    /**
     * Starts watching {@code service} on {@code registry}.
     */
    public static RegistryEndpointGroupBuilder builder(RegistryClient registry, ServiceName service) {
        return new RegistryEndpointGroupBuilder(
                requireNonNull(registry, "registry"), requireNonNull(service, "service"));
    }

    public ServiceName service() {
        return service;
    }

    /**
     * Whether the last watch failed, so that the endpoints are the last known ones rather than current.
     */
    public synchronized boolean isServingLastKnown() {
        return consecutiveFailures > 0;
    }

    /**
     * Why the group has no endpoint now, naming the registry, for the message of a call that waited in vain: the
     * watch has not started (with TLS, not before the workload's first certificate), the registry cannot be
     * reached or refuses the watch, has not answered yet, or lists no instance.
     */
    public synchronized String whyNoEndpoint() {
        final String registry = "the registry " + this.registry.uri();
        final Throwable failure = lastFailure;
        if (!started) {
            return registry + " is not watched yet: this workload waits for its first certificate";
        }
        if (consecutiveFailures > 0 && failure != null) {
            return failure instanceof RegistryException
                    ? registry + " refuses to tell the instances of " + service + " (" + failure.getMessage() + ')'
                    : registry + " cannot be reached (" + describe(failure) + ')';
        }
        if (!answered) {
            return registry + " has not answered yet";
        }
        final int known = endpoints().size();
        return known == 0
                ? "no instance of " + service + " is registered in " + registry
                : "none of the " + known + " instances of " + service + " could be picked";
    }

    private static String describe(Throwable failure) {
        final Throwable cause = failure instanceof UnprocessedRequestException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        return cause.getMessage() != null
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
    }

    /**
     * How many answers the registry gave this group: one for the first read, then one per change. A watch that
     * moved to another registry replica and resumed there by its index adds none until the service changes.
     */
    public synchronized long answers() {
        return answers;
    }

    /**
     * How many answers carried the whole list: the first read, and an incremental watch's answer when the registry's
     * history did not reach back to the index sent (or every answer, for a group that does not watch incrementally).
     */
    public synchronized long fullAnswers() {
        return fullAnswers;
    }

    /** How many answers carried only what changed since the index sent (an incremental watch, the default). */
    public synchronized long changeAnswers() {
        return changeAnswers;
    }

    /** How many of the answers came on a watch stream, one per event (the rest were long polls or reads). */
    public synchronized long streamedAnswers() {
        return streamedAnswers;
    }

    synchronized void start() {
        started = true;
        watchNext();
    }

    private synchronized void watchNext() {
        if (isClosing()) {
            return;
        }
        // The first read answers at once, where a watch from 0 on a service nobody registered yet would be held
        // until its first registration: a call that waits for an endpoint can then be told there is none.
        final CompletableFuture<InstancesSnapshot> watch;
        if (!answered) {
            watch = registry.instances(service);
            pendingWatch = watch;
            watch.whenComplete((snapshot, cause) -> onAnswer(snapshot, cause, true));
        } else if (!incremental) {
            watch = registry.watch(service, index, wait);
            pendingWatch = watch;
            watch.whenComplete((snapshot, cause) -> onAnswer(snapshot, cause, true));
        } else if (streaming && !pollNext && !registry.uri().equals(noStreams)) {
            openStream();
        } else {
            pollNext = false;
            // Only what changed since the index held, applied to the instances held: a change costs its own size,
            // not the service's, on the wire and here.
            final long since = index;
            final List<Instance> held = instances;
            final CompletableFuture<InstancesChanges> changes = registry.watchChanges(service, since, wait);
            pendingWatch = changes;
            changes.whenComplete((answer, cause) -> onChanges(since, held, answer, cause));
        }
    }

    /** Opens a watch stream from the index held on the replica calls go to now. */
    private void openStream() {
        final URI at = registry.uri();
        final CompletableFuture<@Nullable InstancesChanges> stream =
                registry.streamChanges(service, index, heartbeat, this::onStreamed);
        pendingWatch = stream;
        stream.whenComplete((answer, cause) -> onStreamEnd(at, answer, cause));
    }

    /** One change from the stream, in order: applied as a long poll's answer is. */
    private synchronized void onStreamed(InstancesChanges changes) {
        if (isClosing()) {
            return;
        }
        if (!changes.full() && changes.since() != index) {
            // Thrown into the stream's reader, which ends the stream; the next watch asks again from the index held.
            throw new IllegalStateException(
                    "the registry's stream carried the changes since " + changes.since() + " to a watcher at " + index);
        }
        streamedAnswers++;
        apply(changes.applyTo(instances), changes.full());
    }

    private synchronized void onStreamEnd(URI at, @Nullable InstancesChanges answer, @Nullable Throwable cause) {
        pendingWatch = null;
        if (isClosing()) {
            return;
        }
        final @Nullable Throwable peeled = cause != null ? Exceptions.peel(cause) : null;
        if (answer != null || peeled instanceof RegistryException refused && refused.status() == 400) {
            // A registry from before streams: it ignored stream=true and answered a long poll, or refused it.
            noStreams = at;
            logger.info("{}: registry {} does not offer watch streams; long-polling it", service, at);
            if (answer != null) {
                onChanges(index, instances, answer, null);
                return;
            }
        } else {
            // Ended (the registry stopped or cut the stream) or failed (unreachable, stale, silent): one long poll
            // next, which moves to another replica if this one fails, and resumes by the index held.
            pollNext = true;
            if (peeled != null) {
                logger.debug("{}: the watch stream on {} ended: {}", service, at, peeled.toString());
            }
        }
        watchNext();
    }

    private synchronized void onChanges(
            long since, List<Instance> held, @Nullable InstancesChanges answer, @Nullable Throwable cause) {
        if (answer == null) {
            onAnswer(null, cause, false);
        } else if (!answer.full() && answer.since() != since) {
            onAnswer(
                    null,
                    new IllegalStateException(
                            "the registry answered the changes since " + answer.since() + " to a watch from " + since),
                    false);
        } else {
            onAnswer(answer.applyTo(held), null, answer.full());
        }
    }

    private synchronized void onAnswer(@Nullable InstancesSnapshot snapshot, @Nullable Throwable cause, boolean full) {
        pendingWatch = null;
        if (isClosing()) {
            return;
        }
        if (snapshot == null) {
            onFailure(cause != null ? Exceptions.peel(cause) : new IllegalStateException("no answer"));
            return;
        }
        apply(snapshot, full);
        watchNext();
    }

    /** Makes {@code snapshot} what the group serves, and counts the answer. */
    private void apply(InstancesSnapshot snapshot, boolean full) {
        answered = true;
        answers++;
        if (full) {
            fullAnswers++;
        } else {
            changeAnswers++;
        }
        lastFailure = null;
        if (consecutiveFailures > 0) {
            logger.info(
                    "{}: registry {} answers again after {} failed watches; {} has {} instances",
                    service,
                    registry.uri(),
                    consecutiveFailures,
                    service,
                    snapshot.instances().size());
            consecutiveFailures = 0;
        }
        if (snapshot.index() < index) {
            // The registry's history restarted (a new data directory): its index is the truth from now on.
            logger.warn(
                    "{}: registry {} went back from index {} to {}; following its new history",
                    service,
                    registry.uri(),
                    index,
                    snapshot.index());
        }
        index = snapshot.index();
        instances = snapshot.instances();
        setEndpoints(toEndpoints(snapshot.instances()));
        onAnswer.accept(snapshot);
    }

    private void onFailure(Throwable cause) {
        consecutiveFailures++;
        lastFailure = cause;
        if (consecutiveFailures == 1) {
            logger.warn(
                    "{}: cannot watch registry {} ({}); serving the {} last-known endpoints until it "
                            + "answers again",
                    service,
                    registry.uri(),
                    cause.toString(),
                    endpoints().size());
        }
        final long delayMillis = backoff.nextDelayMillis(consecutiveFailures);
        pendingRetry = scheduler.schedule(this::watchNext, delayMillis, TimeUnit.MILLISECONDS);
    }

    private static List<Endpoint> toEndpoints(List<Instance> instances) {
        final List<Endpoint> endpoints = new ArrayList<>(instances.size());
        for (Instance instance : instances) {
            endpoints.add(Endpoint.of(instance.host(), instance.port())
                    .withWeight(instance.weight())
                    .withAttr(INSTANCE_ID, instance.id())
                    .withAttr(ZONE, instance.zone())
                    .withAttr(METADATA, instance.metadata()));
        }
        return endpoints;
    }

    @Override
    protected synchronized void doCloseAsync(CompletableFuture<?> future) {
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
        }
        if (pendingWatch != null) {
            // Cancelling aborts the held HTTP call, so that closing does not wait out a long poll.
            pendingWatch.cancel(false);
        }
        future.complete(null);
    }

    @Override
    public String toString() {
        return toString(buf -> buf.append(", service=")
                .append(service)
                .append(", registry=")
                .append(registry.uri())
                .append(", index=")
                .append(index));
    }
}
