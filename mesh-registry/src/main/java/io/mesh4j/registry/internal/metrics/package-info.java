/**
 * The golden metrics the registry collects from its members: a short in-memory window of their reports, and the
 * read-only views of it ({@code meshctl stat}, {@code edges}, {@code top}). Prometheus stays the long-term store.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise.
 */
@NullMarked
package io.mesh4j.registry.internal.metrics;

import org.jspecify.annotations.NullMarked;
