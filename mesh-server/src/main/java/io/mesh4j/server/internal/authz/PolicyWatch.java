package io.mesh4j.server.internal.authz;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.DocumentWatch;
import io.mesh4j.core.internal.registry.PolicyJson.PolicySnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.core.internal.state.StateDir;

/**
 * Keeps a service's {@link PushedPolicy} current with a watch on the registry, so that a policy or a mesh-wide
 * default the operator pushes is in force within a round trip (the default rides in every policy answer). When the
 * registry is away what is in force stays (fail static).
 */
public final class PolicyWatch implements SafeCloseable {

    private static final Logger logger = LoggerFactory.getLogger(PolicyWatch.class);

    private final DocumentWatch<PolicySnapshot> watch;
    private volatile @Nullable DefaultPolicy meshDefault;

    /**
     * @param state where the policies the registry pushes are kept, and the first is taken from until it answers;
     *     {@code null}: nowhere
     */
    public PolicyWatch(
            RegistryClient registry,
            ServiceName service,
            PushedPolicy target,
            ScheduledExecutorService scheduler,
            @Nullable StateDir state) {
        requireNonNull(registry, "registry");
        requireNonNull(service, "service");
        requireNonNull(target, "target");
        if (state != null) {
            final StateDir.@Nullable Saved<PolicySnapshot> saved = state.policy(service);
            if (saved != null) {
                meshDefault =
                        saved.value().meshDefault() != null ? saved.value().meshDefault() : DefaultPolicy.ALLOW;
                target.replace(saved.value().policy(), meshDefault);
                state.status()
                        .restored(
                                "the access policy of " + service + " (index "
                                        + saved.value().index() + ')',
                                saved.savedAt());
            }
        }
        watch = new DocumentWatch<>(
                "the access policy of " + service + " on " + registry.uri(),
                index -> index < 0
                        ? registry.policy(service)
                        : registry.watchPolicy(service, index, WatchParams.DEFAULT_WAIT),
                PolicySnapshot::index,
                snapshot -> {
                    if (state != null) {
                        state.savePolicy(service, snapshot);
                    }
                    final @Nullable DefaultPolicy before = meshDefault;
                    meshDefault = snapshot.meshDefault() != null ? snapshot.meshDefault() : DefaultPolicy.ALLOW;
                    target.replace(snapshot.policy(), meshDefault);
                    if (before != meshDefault) {
                        logger.info("{}: mesh-wide default policy from the registry: {}", service, meshDefault);
                    }
                    if (snapshot.policy() != null) {
                        logger.info(
                                "{}: access policy from the registry in force ({} rules, index {})",
                                service,
                                snapshot.policy().rules().size(),
                                snapshot.index());
                    } else if (snapshot.index() > 0) {
                        logger.info("{}: no access policy in the registry; the annotations apply", service);
                    }
                },
                scheduler);
    }

    /**
     * Starts watching; the future completes once the registry has answered once (the policy in force is known)
     * or failed to (the annotations apply until it answers).
     */
    public CompletableFuture<Void> start() {
        return watch.start();
    }

    @Override
    public void close() {
        watch.close();
    }
}
