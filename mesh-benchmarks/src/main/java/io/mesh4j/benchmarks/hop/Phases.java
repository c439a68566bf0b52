package io.mesh4j.benchmarks.hop;

import java.time.Duration;

/**
 * How long the phases of a per-hop run last.
 *
 * @param warmup the unmeasured start of every phase
 * @param throughput the measured part of a phase at a fixed concurrency
 * @param latency the measured part of a phase at a fixed rate
 * @param jitWarmup the load on each path before the first round
 */
record Phases(Duration warmup, Duration throughput, Duration latency, Duration jitWarmup) {

    /** The four paths' run: 4 paths × 4 phases a round. */
    static final Phases DEFAULTS =
            new Phases(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(10));

    /**
     * The layer prices' run, with some 22 paths (15 variants, (b), and (c) six times) × 2 phases a round: shorter,
     * so that 3 rounds take ~13 minutes. 5 s at 2,000 req/s is 10,000 requests, over which the kernel's 10 ms CPU
     * accounting is below 1 µs per request in each process; the rounds' range says how much more the machine moves.
     */
    static final Phases PRICE_DEFAULTS =
            new Phases(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(3));

    /** One throughput phase and one fixed-rate phase, warm-ups included. */
    Duration pair() {
        return warmup.multipliedBy(2).plus(throughput).plus(latency);
    }
}
