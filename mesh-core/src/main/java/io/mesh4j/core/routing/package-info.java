/**
 * Route configuration: ordered rules that match requests and say where they go (subsets, weighted splits) and
 * how (timeouts, retries, hedging, faults, limits, outlier ejection). Start from
 * {@link io.mesh4j.core.routing.RouteConfig} and {@link io.mesh4j.core.routing.RouteRule}; a
 * {@link io.mesh4j.core.routing.RouteOverride} steers one request.
 */
@NullMarked
package io.mesh4j.core.routing;

import org.jspecify.annotations.NullMarked;
