/**
 * Benchmark 6: what the Spring Boot starter adds to a Spring Boot application, in start-up time and in the weight
 * of its runnable jar, against the same application without it.
 */
@NullMarked
package io.mesh4j.benchmarks.spring;

import org.jspecify.annotations.NullMarked;
