/**
 * The processes a benchmark starts (JVMs, HAProxy), how it talks to them, and what they cost in CPU and memory.
 */
@NullMarked
package io.mesh4j.benchmarks.process;

import org.jspecify.annotations.NullMarked;
