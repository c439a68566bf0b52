package io.mesh4j.benchmarks.micro;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.internal.telemetry.TracePropagation;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * The headers every hop writes and reads: the trace context (in the formats mesh4j ships with) injected by the
 * client's TRACING layer and extracted by the server's, and the deadline header the DEADLINE layers write and
 * parse.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderPropagationBenchmark {

    private MeshTelemetry telemetry;
    private TracePropagation propagation;
    private Context context;
    private RequestHeaders inbound;
    private String deadlineHeader;
    // A field rather than a constant, so that the JIT cannot fold the formatting away.
    private Duration remaining;

    @Setup(Level.Trial)
    public void setUp() {
        telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());
        propagation = TelemetryAccess.PROPAGATION.get(telemetry);
        final Span span = telemetry.tracer().spanBuilder("bench").setNoParent().startSpan();
        context = Context.root().with(span);
        span.end();
        final RequestHeadersBuilder builder = RequestHeaders.builder(HttpMethod.GET, "/orders/42");
        propagation.inject(context, builder);
        inbound = builder.build();
        remaining = Duration.ofMillis(1234);
        deadlineHeader = Deadline.formatHeader(remaining);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        telemetry.close();
    }

    @Benchmark
    public RequestHeadersBuilder injectTraceContext() {
        final RequestHeadersBuilder builder = RequestHeaders.builder(HttpMethod.GET, "/orders/42");
        propagation.inject(context, builder);
        return builder;
    }

    @Benchmark
    public Context extractTraceContext() {
        return propagation.extract(inbound);
    }

    @Benchmark
    public String formatDeadline() {
        return Deadline.formatHeader(remaining);
    }

    @Benchmark
    public @Nullable Duration parseDeadline() {
        return Deadline.parseHeader(deadlineHeader);
    }
}
