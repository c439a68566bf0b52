/**
 * Where the time goes: Java Flight Recorder recordings of benchmark processes, summarised as hot methods and allocation sites.
 */
@NullMarked
package io.mesh4j.benchmarks.profile;

import org.jspecify.annotations.NullMarked;
