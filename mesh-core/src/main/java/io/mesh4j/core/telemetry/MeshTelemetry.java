package io.mesh4j.core.telemetry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.PropagatingTracer;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.internal.telemetry.TracePropagation;
import io.mesh4j.core.stack.StackParams;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.AttributeKey;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The telemetry of one process: an OpenTelemetry tracer with the configured sampler, propagation and exporters,
 * and a Prometheus meter registry with the mesh's metrics. The TRACING and METRICS layers of both
 * stacks find it through {@link #KEY}; give the same instance to a process's {@code MeshServer} and
 * {@code MeshClient} so that one {@code /metrics} shows both sides and one trace joins them.
 *
 * <p>A process that configures nothing uses {@link #shared()}: traces propagate and metrics count from the
 * moment the library is linked, and nothing leaves the process until an exporter is configured. Until then the
 * mesh's spans carry ids and the sampling decision and record nothing, and the OpenTelemetry SDK is made only if
 * {@link #openTelemetry()} is asked for.
 *
 * <pre>{@code
 * MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
 *         .serviceName("orders")
 *         .otlpEndpoint(URI.create("http://collector:4318/v1/traces"))
 *         .build());
 * MeshServer server = MeshServer.builder("orders", registry).identity(identity).telemetry(telemetry)...build();
 * MeshClient client = MeshClient.builder(registry).identity(identity).telemetry(telemetry).build();
 * }</pre>
 */
public final class MeshTelemetry implements SafeCloseable {

    /** The stack parameter through which the TRACING and METRICS layers find the telemetry. */
    public static final StackParams.Key<MeshTelemetry> KEY = StackParams.Key.of("telemetry", MeshTelemetry::shared);

    /**
     * The OpenTelemetry context of a request's span, on its Armeria request context. Client contexts made while
     * serving a request inherit it from their root, which is how a call made on any thread of the request's
     * context finds its parent.
     */
    public static final AttributeKey<Context> CONTEXT = AttributeKey.valueOf(MeshTelemetry.class, "CONTEXT");

    /**
     * The route template of an outbound call, such as {@code /orders/{id}}, for its span name and metrics:
     * {@code client.prepare().get("/orders/42").attr(MeshTelemetry.ROUTE, "/orders/{id}")}. Without it, the
     * call's route is {@code unmatched} and its span is named by its method alone.
     */
    public static final AttributeKey<String> ROUTE = AttributeKey.valueOf(MeshTelemetry.class, "ROUTE");

    /** The service a request is served by, set by the inbound layers; outbound calls name it as their caller. */
    public static final AttributeKey<String> LOCAL_SERVICE = AttributeKey.valueOf(MeshTelemetry.class, "LOCAL_SERVICE");

    /**
     * A request's caller (a service name) as a layer of the user's own establishes it, for the server's metrics:
     * when set it wins over the caller's verified mTLS identity, which the mesh's layers read from the TLS session
     * without setting this, and over the caller's own word in {@value #CALLER_HEADER}.
     */
    public static final AttributeKey<String> PEER = AttributeKey.valueOf(MeshTelemetry.class, "PEER");

    /** The header in which a mesh client names the service it calls from; unverified, and bounded. */
    public static final String CALLER_HEADER = "mesh-caller";

    /** The MDC key of a request's trace id, as OpenTelemetry's own log instrumentations name it. */
    public static final String MDC_TRACE_ID = "trace_id";

    /** The MDC key of a request's span id, as OpenTelemetry's own log instrumentations name it. */
    public static final String MDC_SPAN_ID = "span_id";

    private static final String INSTRUMENTATION = "io.mesh4j";

    private static volatile @Nullable MeshTelemetry shared;

    private final TelemetryConfig config;
    /** The application's OpenTelemetry, which the mesh's spans are made with; null when it has none. */
    private final @Nullable OpenTelemetry application;
    /**
     * The SDK this telemetry made and so flushes and closes; null when the spans go to an application's, and,
     * with no exporter, until {@link #openTelemetry()} is first asked for.
     */
    private volatile @Nullable OpenTelemetrySdk ownSdk;

    private final Tracer tracer;
    private final PrometheusMeterRegistry registry;
    private final MeshMetrics metrics;
    private final TracePropagation propagation;

    static {
        TelemetryAccess.METRICS.install(telemetry -> telemetry.metrics);
        TelemetryAccess.PROPAGATION.install(telemetry -> telemetry.propagation);
    }

    private MeshTelemetry(TelemetryConfig config, @Nullable OpenTelemetry application) {
        this.config = config;
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new MeshMetrics(registry, config.maxLabelValues(), config.reportInterval());
        this.application = application;
        if (application != null) {
            tracer = application.getTracer(INSTRUMENTATION);
        } else if (exports(config)) {
            final OpenTelemetrySdk sdk = sdk(config);
            ownSdk = sdk;
            tracer = sdk.getTracer(INSTRUMENTATION);
        } else {
            // Nothing would read what a span records: its ids and sampling decision are all that is used, and the
            // SDK (~250 classes, and a recording span per request) waits until the application asks for it.
            tracer = new PropagatingTracer(config.samplingRatio());
        }
        // Without an exporter, parents are read as the numbers their ids are (nothing compares them as an SDK does).
        propagation = new TracePropagation(
                config.inject(), config.extract(), metrics::malformedTraceHeader, !PropagatingTracer.mayRecord(tracer));
    }

    private static boolean exports(TelemetryConfig config) {
        return config.otlpEndpoint() != null || config.zipkinEndpoint() != null || config.spanExporter() != null;
    }

    private static OpenTelemetrySdk sdk(TelemetryConfig config) {
        final SdkTracerProviderBuilder tracing = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(
                                io.opentelemetry.api.common.AttributeKey.stringKey("service.name"),
                                config.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.samplingRatio())));
        for (SpanProcessor processor : processors(config)) {
            tracing.addSpanProcessor(processor);
        }
        return OpenTelemetrySdk.builder()
                .setTracerProvider(tracing.build())
                .setPropagators(ContextPropagators.create(otelPropagator(config)))
                .build();
    }

    /**
     * Returns a new telemetry; close it to flush and stop its exporters.
     *
     * @param config the configuration
     * @return a new telemetry with a meter registry and a tracer of its own
     */
    public static MeshTelemetry of(TelemetryConfig config) {
        return new MeshTelemetry(requireNonNull(config, "config"), null);
    }

    /**
     * Returns a new telemetry whose spans are made by the application's OpenTelemetry, such as the one behind
     * Spring's Micrometer Tracing: the mesh's spans and the application's then join one trace whichever started
     * it, and go out through the application's exporters, with its sampler and its {@code service.name}. The
     * mesh still reads and writes the trace headers of {@code config} itself, and keeps its metrics in a registry
     * of its own. Closing this telemetry leaves {@code application} running: its owner closes it.
     *
     * @param config the configuration, with no exporter: the application's are used; its sampling ratio and
     *     service name are not used either
     * @param application the application's OpenTelemetry
     * @return a new telemetry with a meter registry of its own and a tracer of {@code application}'s
     * @throws IllegalArgumentException if {@code config} names an exporter
     */
    public static MeshTelemetry of(TelemetryConfig config, OpenTelemetry application) {
        requireNonNull(config, "config");
        requireNonNull(application, "application");
        if (exports(config)) {
            throw new IllegalArgumentException("config: " + config
                    + " (expected: no exporter, as the spans go to the application's OpenTelemetry and its exporters)");
        }
        return new MeshTelemetry(config, application);
    }

    /**
     * Returns an exporter that sends spans in batches to Zipkin's v2 JSON API, the one that
     * {@link TelemetryConfig.Builder#zipkinEndpoint(URI)} configures, for an OpenTelemetry SDK of the
     * application's own (wrap it in a {@code BatchSpanProcessor}).
     *
     * @param endpoint an {@code http} or {@code https} URI with a host, such as
     *     {@code http://zipkin:9411/api/v2/spans}
     * @return a new exporter
     * @throws IllegalArgumentException if the URI is not such
     */
    public static SpanExporter zipkinExporter(URI endpoint) {
        return new ZipkinJsonExporter(requireNonNull(
                TelemetryConfig.builder().zipkinEndpoint(endpoint).build().zipkinEndpoint()));
    }

    /**
     * The process-wide telemetry of every mesh server and client that was given none: default configuration,
     * no exporter. Made on first use and never closed.
     *
     * @return the shared telemetry, the same on every call
     */
    public static MeshTelemetry shared() {
        MeshTelemetry telemetry = shared;
        if (telemetry == null) {
            synchronized (MeshTelemetry.class) {
                telemetry = shared;
                if (telemetry == null) {
                    telemetry = of(TelemetryConfig.ofDefaults());
                    shared = telemetry;
                }
            }
        }
        return telemetry;
    }

    private static List<SpanProcessor> processors(TelemetryConfig config) {
        final List<SpanProcessor> processors = new ArrayList<>();
        if (config.otlpEndpoint() != null) {
            processors.add(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                            .setEndpoint(config.otlpEndpoint().toString())
                            .build())
                    .build());
        }
        if (config.zipkinEndpoint() != null) {
            processors.add(BatchSpanProcessor.builder(new ZipkinJsonExporter(config.zipkinEndpoint()))
                    .setScheduleDelay(1, TimeUnit.SECONDS)
                    .build());
        }
        if (config.spanExporter() != null) {
            // A user's own exporter (logging, in-memory) sees each span as it ends.
            processors.add(SimpleSpanProcessor.create(config.spanExporter()));
        }
        if (processors.isEmpty()) {
            processors.add(NoExport.INSTANCE);
        }
        return processors;
    }

    /** What {@link #openTelemetry()} offers to code that propagates by hand, in the same formats. */
    private static TextMapPropagator otelPropagator(TelemetryConfig config) {
        final List<TextMapPropagator> propagators = new ArrayList<>();
        for (Propagation format : config.inject()) {
            switch (format) {
                case TRACECONTEXT:
                    propagators.add(W3CTraceContextPropagator.getInstance());
                    break;
                case BAGGAGE:
                    propagators.add(W3CBaggagePropagator.getInstance());
                    break;
                case B3_SINGLE:
                    propagators.add(B3Propagator.injectingSingleHeader());
                    break;
                case B3_MULTI:
                    propagators.add(B3Propagator.injectingMultiHeaders());
                    break;
                default:
                    throw new IllegalStateException("unknown format " + format);
            }
        }
        return TextMapPropagator.composite(propagators);
    }

    /**
     * Returns the configuration this telemetry was made with.
     *
     * @return the configuration
     */
    public TelemetryConfig config() {
        return config;
    }

    /**
     * Returns the tracer the mesh's layers open spans with. With no exporter and no application OpenTelemetry,
     * its spans carry ids and the sampling decision, propagate and fill the MDC, and record nothing (they are not
     * {@linkplain Span#isRecording() recording}); {@link #openTelemetry()}'s tracer makes recording spans.
     *
     * @return the tracer of the {@code io.mesh4j} instrumentation
     */
    public Tracer tracer() {
        return tracer;
    }

    /**
     * Returns the OpenTelemetry behind the mesh, for spans and propagation of the application's own. Its
     * propagators write the formats of {@link TelemetryConfig#inject()}, unless it is the application's, given to
     * {@link #of(TelemetryConfig, OpenTelemetry)}. With no exporter, the SDK is made on the first call.
     *
     * @return the OpenTelemetry SDK, or the application's OpenTelemetry
     */
    public OpenTelemetry openTelemetry() {
        if (application != null) {
            return application;
        }
        OpenTelemetrySdk sdk = ownSdk;
        if (sdk == null) {
            synchronized (this) {
                sdk = ownSdk;
                if (sdk == null) {
                    sdk = sdk(config);
                    ownSdk = sdk;
                }
            }
        }
        return sdk;
    }

    /**
     * Returns the registry of the mesh's metrics; an application may add meters of its own, which
     * {@link #scrape()} then serves too.
     *
     * @return the Prometheus meter registry
     */
    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /**
     * Returns every metric in the Prometheus text format, as {@code /metrics} serves it.
     *
     * @return the scrape
     */
    public String scrape() {
        return registry.scrape();
    }

    /** Exports the spans that have ended and not been exported yet; waits at most 10 seconds. */
    public void forceFlush() {
        final @Nullable OpenTelemetrySdk own = ownSdk;
        final @Nullable OpenTelemetrySdk sdk =
                own != null ? own : application instanceof OpenTelemetrySdk ? (OpenTelemetrySdk) application : null;
        if (sdk != null) {
            sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Makes {@code context} current on this thread and puts its trace and span ids in the SLF4J MDC, until
     * the returned scope is closed; what was there before comes back then.
     *
     * <pre>{@code
     * try (SafeCloseable ignored = MeshTelemetry.enter(ctx.attr(MeshTelemetry.CONTEXT))) {
     *     logger.info("logged with trace_id and span_id");
     * }
     * }</pre>
     *
     * @param context the OpenTelemetry context, such as a request's {@link #CONTEXT}
     * @return the scope, to close on the same thread
     */
    // The OpenTelemetry scope is not left open: the returned closeable closes it, and the caller owns that.
    @SuppressWarnings("MustBeClosedChecker")
    public static SafeCloseable enter(Context context) {
        requireNonNull(context, "context");
        final Scope scope = context.makeCurrent();
        final SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid()) {
            return scope::close;
        }
        final @Nullable String oldTraceId = MDC.get(MDC_TRACE_ID);
        final @Nullable String oldSpanId = MDC.get(MDC_SPAN_ID);
        MDC.put(MDC_TRACE_ID, span.getTraceId());
        MDC.put(MDC_SPAN_ID, span.getSpanId());
        return () -> {
            restore(MDC_TRACE_ID, oldTraceId);
            restore(MDC_SPAN_ID, oldSpanId);
            scope.close();
        };
    }

    private static void restore(String key, @Nullable String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    /** Flushes and stops the exporters. The shared telemetry ignores this. */
    @Override
    public void close() {
        if (this == shared) {
            return;
        }
        final @Nullable OpenTelemetrySdk sdk = ownSdk;
        if (sdk != null) {
            sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
        }
        registry.close();
    }

    @Override
    public String toString() {
        return "MeshTelemetry(" + config + ')';
    }

    /**
     * Stands for the exporter that is not configured. The SDK hands out invalid, no-op spans when it has no
     * span processor at all; then no {@code traceparent} would leave the process, and the services downstream
     * would start traces of their own and make sampling decisions of their own. With this one, spans get real
     * ids, carry the sampling decision downstream, and fill the MDC, and nothing is exported.
     */
    private static final class NoExport implements SpanProcessor {

        static final NoExport INSTANCE = new NoExport();

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {}

        @Override
        public boolean isEndRequired() {
            return false;
        }
    }
}
