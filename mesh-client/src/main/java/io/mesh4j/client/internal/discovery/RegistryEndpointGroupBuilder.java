package io.mesh4j.client.internal.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.CommonPools;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.WatchParams;

/**
 * Builds a {@link RegistryEndpointGroup}.
 */
public final class RegistryEndpointGroupBuilder {

    private final RegistryClient registry;
    private final ServiceName service;
    /** How often a quiet watch stream carries a heartbeat unless set. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);

    private Duration wait = WatchParams.DEFAULT_WAIT;
    private FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(100), Duration.ofSeconds(5));
    private ScheduledExecutorService scheduler = CommonPools.workerGroup();
    private EndpointSelectionStrategy selectionStrategy = EndpointSelectionStrategy.weightedRoundRobin();
    private CompletableFuture<?> startAfter = CompletableFuture.completedFuture(null);
    private @Nullable List<Instance> lastKnown;
    private Consumer<InstancesSnapshot> onAnswer = snapshot -> {};
    private boolean incremental = true;
    private boolean streaming = true;
    private Duration heartbeat = DEFAULT_HEARTBEAT;

    RegistryEndpointGroupBuilder(RegistryClient registry, ServiceName service) {
        this.registry = registry;
        this.service = service;
    }

    /**
     * How long the registry may hold each watch; 30 seconds by default.
     */
    public RegistryEndpointGroupBuilder wait(Duration wait) {
        requireNonNull(wait, "wait");
        if (wait.isNegative() || wait.compareTo(WatchParams.MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait: " + wait + " (expected: 0.." + WatchParams.MAX_WAIT + ')');
        }
        this.wait = wait;
        return this;
    }

    /**
     * How long to wait before watching again after a failed watch; 100 ms doubling up to 5 s, full jitter.
     */
    public RegistryEndpointGroupBuilder backoff(FullJitterBackoff backoff) {
        this.backoff = requireNonNull(backoff, "backoff");
        return this;
    }

    public RegistryEndpointGroupBuilder scheduler(ScheduledExecutorService scheduler) {
        this.scheduler = requireNonNull(scheduler, "scheduler");
        return this;
    }

    public RegistryEndpointGroupBuilder selectionStrategy(EndpointSelectionStrategy selectionStrategy) {
        this.selectionStrategy = requireNonNull(selectionStrategy, "selectionStrategy");
        return this;
    }

    /**
     * Starts watching only once {@code ready} completes, such as the workload's first certificate, without which
     * a TLS registry would refuse the watch.
     */
    public RegistryEndpointGroupBuilder startAfter(CompletableFuture<?> ready) {
        startAfter = requireNonNull(ready, "ready");
        return this;
    }

    /**
     * Serves {@code instances} until the registry first answers: the last-known-good ones of a restarted member.
     */
    public RegistryEndpointGroupBuilder lastKnown(List<Instance> instances) {
        lastKnown = List.copyOf(instances);
        return this;
    }

    /**
     * Runs {@code onAnswer} with every answer of the registry, after the endpoints are replaced: to keep them on disk.
     */
    public RegistryEndpointGroupBuilder onAnswer(Consumer<InstancesSnapshot> onAnswer) {
        this.onAnswer = requireNonNull(onAnswer, "onAnswer");
        return this;
    }

    /**
     * Returns the group, watching (or about to, see {@link #startAfter(CompletableFuture)}).
     */
    /**
     * Whether to watch incrementally, asking only for what changed since the index held ({@code changes=true}); on
     * unless set. Off, every answer carries the whole list, as before incremental watches (for comparison).
     */
    public RegistryEndpointGroupBuilder incremental(boolean incremental) {
        this.incremental = incremental;
        return this;
    }

    /**
     * Whether to watch with a watch stream ({@code stream=true}) where the registry offers one; on unless set (and
     * only with {@link #incremental(boolean)}). Off, or with a registry that does not stream, every change is a
     * long poll.
     */
    public RegistryEndpointGroupBuilder streaming(boolean streaming) {
        this.streaming = streaming;
        return this;
    }

    /**
     * How often the registry writes a heartbeat on a quiet watch stream; 10 s unless set. A stream silent for two
     * heartbeats and a margin is given up on and watched again (through a long poll, which fails over).
     */
    public RegistryEndpointGroupBuilder heartbeat(Duration heartbeat) {
        requireNonNull(heartbeat, "heartbeat");
        if (heartbeat.compareTo(Duration.ofMillis(100)) < 0 || heartbeat.compareTo(WatchParams.MAX_WAIT) > 0) {
            throw new IllegalArgumentException(
                    "heartbeat: " + heartbeat + " (expected: 100ms.." + WatchParams.MAX_WAIT + ')');
        }
        this.heartbeat = heartbeat;
        return this;
    }

    public RegistryEndpointGroup build() {
        final RegistryEndpointGroup group = new RegistryEndpointGroup(
                registry,
                service,
                wait,
                backoff,
                scheduler,
                selectionStrategy,
                lastKnown,
                onAnswer,
                incremental,
                streaming && incremental,
                heartbeat);
        startAfter.whenComplete((unused, cause) -> group.start());
        return group;
    }
}
