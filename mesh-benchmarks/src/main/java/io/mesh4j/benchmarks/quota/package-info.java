/**
 * The quota benchmark: how closely a mesh-wide quota holds across instances under skewed load, when an instance
 * leaves and when the registry goes away, beside per-instance limits in the same run.
 */
@NullMarked
package io.mesh4j.benchmarks.quota;

import org.jspecify.annotations.NullMarked;
