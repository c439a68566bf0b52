/**
 * Route configuration: ordered rules that match requests and say where they go (subsets, weighted splits) and
 * how (timeouts, retries, hedging, faults, limits, outlier ejection).
 */
@NullMarked
package io.mesh4j.core.routing;

import org.jspecify.annotations.NullMarked;
