/**
 * The balancer benchmark: five real instances, one of them ten times slower, and how each balancer copes.
 */
@NullMarked
package io.mesh4j.benchmarks.balancer;

import org.jspecify.annotations.NullMarked;
