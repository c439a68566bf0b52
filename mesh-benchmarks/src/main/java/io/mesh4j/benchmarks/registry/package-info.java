/**
 * The registry benchmark: how fast a change reaches many long-poll watchers, and what instances cost.
 */
@NullMarked
package io.mesh4j.benchmarks.registry;

import org.jspecify.annotations.NullMarked;
