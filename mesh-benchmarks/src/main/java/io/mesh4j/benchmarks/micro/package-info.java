/**
 * JMH micro benchmarks of the pieces every request runs, so that a regression shows in nanoseconds first.
 */
@NullMarked
package io.mesh4j.benchmarks.micro;

import org.jspecify.annotations.NullMarked;
