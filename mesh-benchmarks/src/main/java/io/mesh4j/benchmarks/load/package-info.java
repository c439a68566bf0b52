/**
 * Load generation: closed loops at a fixed concurrency, and open loops at a fixed rate that correct coordinated
 * omission.
 */
@NullMarked
package io.mesh4j.benchmarks.load;

import org.jspecify.annotations.NullMarked;
