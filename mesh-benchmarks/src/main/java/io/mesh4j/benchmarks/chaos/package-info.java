/**
 * The chaos suite, {@code bin/chaos}: mesh processes in network namespaces of their own, faults on their real
 * packets and processes, and what each fault cost the mesh's callers. Not API.
 */
@NullMarked
package io.mesh4j.benchmarks.chaos;

import org.jspecify.annotations.NullMarked;
