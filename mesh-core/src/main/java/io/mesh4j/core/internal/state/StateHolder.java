package io.mesh4j.core.internal.state;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * A workload identity's hold on its state directory, which the mesh client and server of the workload share: they
 * are one workload, and what one of them restores the health of the others reports.
 */
public interface StateHolder {

    /**
     * The directory the identity keeps its state in: {@code dir}, opened now if the identity had none.
     *
     * @throws IllegalArgumentException if the identity keeps its state in another directory, or {@code dir} cannot
     *     be used
     */
    StateDir keepIn(Path dir);

    /** The directory the identity keeps its state in; {@code null} if it keeps none. */
    @Nullable
    StateDir stateDir();
}
