/**
 * Results for people: aligned tables, medians with their spread, and progress while a benchmark runs.
 */
@NullMarked
package io.mesh4j.benchmarks.report;

import org.jspecify.annotations.NullMarked;
