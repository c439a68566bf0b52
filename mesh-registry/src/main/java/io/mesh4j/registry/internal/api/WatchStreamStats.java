package io.mesh4j.registry.internal.api;

import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What the registry's watch streams do, counted for its {@code GET /metrics}: the streams open now, those cut
 * off because their watcher took nothing for two heartbeats, and the lines written to them. Counting is a
 * {@link LongAdder} increment on the stream's event loop (per line, per stream), so it costs the fan-out next to
 * nothing; the Prometheus registry that writes the text is made on the first read, so that a registry nobody
 * scrapes loads none of its classes at start-up.
 */
public final class WatchStreamStats {

    /** The Prometheus text format, as the mesh's admin endpoints serve it. */
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder cutOff = new LongAdder();
    private final LongAdder lines = new LongAdder();
    private @Nullable PrometheusMeterRegistry meters;

    /** The meters, made on the first read. */
    private synchronized PrometheusMeterRegistry meters() {
        if (meters != null) {
            return meters;
        }
        final PrometheusMeterRegistry made = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("mesh4j.registry.watch.streams", this, WatchStreamStats::open)
                .description("Watch streams open now on this registry")
                .register(made);
        FunctionCounter.builder("mesh4j.registry.watch.streams.cut.off", cutOff, LongAdder::sum)
                .description("Watch streams this registry cut off because their watcher took nothing for two "
                        + "heartbeats (it resumes by its index)")
                .register(made);
        FunctionCounter.builder("mesh4j.registry.watch.stream.lines", lines, LongAdder::sum)
                .description("Lines written to watch streams: changes, full lists and heartbeats")
                .register(made);
        meters = made;
        return made;
    }

    void opened() {
        opened.increment();
    }

    void closed() {
        closed.increment();
    }

    void cutOff() {
        cutOff.increment();
    }

    void lineWritten() {
        lines.increment();
    }

    /** Watch streams open now. */
    public long open() {
        return opened.sum() - closed.sum();
    }

    /** Watch streams cut off as too slow since the registry started. */
    public long cutOffTotal() {
        return cutOff.sum();
    }

    /** Lines written to watch streams since the registry started. */
    public long linesTotal() {
        return lines.sum();
    }

    /** {@code GET /metrics}: these counts in the Prometheus text format. */
    HttpService metrics() {
        return (ctx, req) -> HttpResponse.of(PROMETHEUS_TEXT, meters().scrape());
    }
}
