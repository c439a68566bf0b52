/**
 * The per-hop benchmark: raw Armeria over h2c and TLS, mesh4j's defaults, and two HAProxy sidecars, side by side;
 * and gRPC and TCP, each raw and through mesh4j.
 */
@NullMarked
package io.mesh4j.benchmarks.hop;

import org.jspecify.annotations.NullMarked;
