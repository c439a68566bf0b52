package io.mesh4j.registry.internal.instances;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import io.mesh4j.core.discovery.Registration;

/** What the writer is asked to do, with the future that carries its answer back. */
sealed interface Command permits Command.Register, Command.Deregister, Command.Sweep {

    CompletableFuture<?> result();

    default void fail(Throwable cause) {
        result().completeExceptionally(cause);
    }

    /** Register or update; answers the service's index after it. */
    record Register(InstanceKey key, Registration registration, CompletableFuture<Long> result) implements Command {}

    /** Deregister; answers the index of the removal, or empty if the instance was unknown. */
    record Deregister(InstanceKey key, CompletableFuture<OptionalLong> result) implements Command {}

    /** Expire every instance whose lease is due; answers how many it expired. */
    record Sweep(CompletableFuture<Integer> result) implements Command {}
}
