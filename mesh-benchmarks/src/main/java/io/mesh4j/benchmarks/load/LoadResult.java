package io.mesh4j.benchmarks.load;

import static java.util.Objects.requireNonNull;

import org.HdrHistogram.Histogram;

import io.mesh4j.benchmarks.process.Fields;

/**
 * What one load phase measured.
 *
 * @param completed every request that completed, warm-up included: the denominator of CPU per request
 * @param ok        the successful requests that completed in the measured window
 * @param errors    the failed ones (an exception, or a status other than 2xx) in the measured window
 * @param seconds   the length of the measured window
 * @param latency   the latencies of the requests of the measured window, in nanoseconds; at a fixed rate, from
 *                  when each request was due to be sent, so that a stall counts against every request it delayed
 * @param sendLag   at a fixed rate, how late the load generator sent each request, in nanoseconds: its own
 *                  contribution to the latencies; empty at a fixed concurrency
 */
public record LoadResult(long completed, long ok, long errors, double seconds, Histogram latency, Histogram sendLag) {

    public LoadResult {
        requireNonNull(latency, "latency");
        requireNonNull(sendLag, "sendLag");
    }

    /** Successful requests per second in the measured window. */
    public double throughput() {
        return seconds > 0 ? ok / seconds : 0;
    }

    /** This result as one line of {@code key=value} fields, for a child process to send to its parent. */
    public String toLine() {
        return "completed=" + completed + " ok=" + ok + " errors=" + errors + " seconds=" + seconds + " latency="
                + Histograms.encode(latency) + " sendLag=" + Histograms.encode(sendLag);
    }

    /** Reads what {@link #toLine()} wrote. */
    public static LoadResult fromLine(String line) {
        final Fields fields = Fields.parse(line);
        return new LoadResult(
                fields.getLong("completed"),
                fields.getLong("ok"),
                fields.getLong("errors"),
                fields.getDouble("seconds"),
                Histograms.decode(fields.get("latency")),
                Histograms.decode(fields.get("sendLag")));
    }
}
