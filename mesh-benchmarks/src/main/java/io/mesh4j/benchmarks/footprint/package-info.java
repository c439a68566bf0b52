/**
 * Benchmark 5: what a mesh4j service costs in memory, classes, threads and start-up against the same service on raw
 * Armeria, and what loads and allocates the difference.
 */
@NullMarked
package io.mesh4j.benchmarks.footprint;

import org.jspecify.annotations.NullMarked;
