package io.mesh4j.core.telemetry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * How a process traces and measures its traffic: which headers carry trace context, how many traces are kept,
 * where finished spans go, and how many distinct label values a metric may have.
 *
 * <p>{@link #ofDefaults()}: W3C Trace Context and Baggage written; those and both B3 forms read; every trace
 * kept unless the caller's decision says otherwise (parent-based, ratio 1.0); no span exporter, so spans cost
 * little and go nowhere until one is configured; metrics on.
 *
 * <pre>{@code
 * TelemetryConfig config = TelemetryConfig.builder()
 *         .serviceName("orders")
 *         .samplingRatio(0.1)
 *         .zipkinEndpoint(URI.create("http://zipkin:9411/api/v2/spans"))
 *         .build();
 * }</pre>
 */
public final class TelemetryConfig {

    private static final TelemetryConfig DEFAULTS = builder().build();

    private final String serviceName;
    private final List<Propagation> inject;
    private final List<Propagation> extract;
    private final double samplingRatio;
    private final @Nullable URI otlpEndpoint;
    private final @Nullable URI zipkinEndpoint;
    private final @Nullable SpanExporter spanExporter;
    private final int maxLabelValues;
    private final Duration reportInterval;

    private TelemetryConfig(Builder b) {
        serviceName = b.serviceName;
        inject = List.copyOf(b.inject);
        extract = List.copyOf(b.extract);
        samplingRatio = b.samplingRatio;
        otlpEndpoint = b.otlpEndpoint;
        zipkinEndpoint = b.zipkinEndpoint;
        spanExporter = b.spanExporter;
        maxLabelValues = b.maxLabelValues;
        reportInterval = b.reportInterval;
    }

    /**
     * Returns the defaults described above.
     *
     * @return the default configuration, one shared instance
     */
    public static TelemetryConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the {@code service.name} of the spans this process exports.
     *
     * @return the name; {@code unknown_service:java} unless set
     */
    public String serviceName() {
        return serviceName;
    }

    /**
     * Returns the formats written on every outbound call.
     *
     * @return the formats, each once; empty writes no trace header
     */
    public List<Propagation> inject() {
        return inject;
    }

    /**
     * Returns the formats read from inbound requests, in order of preference: the first that holds a valid parent
     * wins.
     *
     * @return the formats, each once
     */
    public List<Propagation> extract() {
        return extract;
    }

    /**
     * Returns the share of new traces kept.
     *
     * @return 0.0 to 1.0
     */
    public double samplingRatio() {
        return samplingRatio;
    }

    /**
     * Returns where spans are exported over OTLP HTTP/protobuf.
     *
     * @return the endpoint; {@code null} when not set
     */
    public @Nullable URI otlpEndpoint() {
        return otlpEndpoint;
    }

    /**
     * Returns where spans are exported in Zipkin's v2 JSON.
     *
     * @return the endpoint; {@code null} when not set
     */
    public @Nullable URI zipkinEndpoint() {
        return zipkinEndpoint;
    }

    /**
     * Returns the user's own span exporter.
     *
     * @return the exporter; {@code null} when not set
     */
    public @Nullable SpanExporter spanExporter() {
        return spanExporter;
    }

    /**
     * Returns the most distinct values one label of one service may take; later values are counted as
     * {@code other}.
     *
     * @return at least 1; 200 unless set
     */
    public int maxLabelValues() {
        return maxLabelValues;
    }

    /**
     * Returns how often a mesh client or server with an identity reports its golden-metric summaries (per caller,
     * service and route: counts, success, a latency histogram) to the registry, for {@code meshctl stat}.
     *
     * @return 10 seconds unless set; {@link Duration#ZERO} when reporting is off
     */
    public Duration reportInterval() {
        return reportInterval;
    }

    /**
     * Returns the service, formats, sampling ratio and exporter, for logs.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "TelemetryConfig(service=" + serviceName + ", inject=" + inject + ", extract=" + extract
                + ", samplingRatio=" + samplingRatio + ", exporter="
                + (otlpEndpoint != null
                        ? "otlp " + otlpEndpoint
                        : zipkinEndpoint != null
                                ? "zipkin " + zipkinEndpoint
                                : spanExporter != null ? spanExporter : "none")
                + ')';
    }

    /** Builds a {@link TelemetryConfig}; every setter has a default, those of {@link #ofDefaults()}. */
    public static final class Builder {

        private String serviceName = "unknown_service:java";
        private List<Propagation> inject = List.of(Propagation.TRACECONTEXT, Propagation.BAGGAGE);
        private List<Propagation> extract = List.of(
                Propagation.TRACECONTEXT, Propagation.BAGGAGE,
                Propagation.B3_SINGLE, Propagation.B3_MULTI);
        private double samplingRatio = 1.0;
        private @Nullable URI otlpEndpoint;
        private @Nullable URI zipkinEndpoint;
        private @Nullable SpanExporter spanExporter;
        private int maxLabelValues = 200;
        private Duration reportInterval = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Sets the {@code service.name} of exported spans; {@code unknown_service:java} unless set. A mesh server or
         * client does not set it from its service: set it here.
         *
         * @param serviceName such as {@code "orders"}
         * @return this builder
         * @throws IllegalArgumentException if {@code serviceName} is blank
         */
        public Builder serviceName(String serviceName) {
            requireNonNull(serviceName, "serviceName");
            if (serviceName.isBlank()) {
                throw new IllegalArgumentException("serviceName: '" + serviceName + "' (expected: not blank)");
            }
            this.serviceName = serviceName;
            return this;
        }

        /**
         * The formats written on outbound calls, such as {@code inject(Propagation.B3_MULTI)} for a Zipkin-era
         * neighbourhood; W3C Trace Context and Baggage unless set.
         *
         * @param formats the formats, each at most once; none writes no trace header
         * @return this builder
         * @throws IllegalArgumentException if a format is given twice
         */
        public Builder inject(Propagation... formats) {
            inject = checkFormats("inject", formats);
            return this;
        }

        /**
         * Sets the formats accepted on inbound requests, in order of preference; all four unless set.
         *
         * @param formats the formats, each at most once
         * @return this builder
         * @throws IllegalArgumentException if a format is given twice
         */
        public Builder extract(Propagation... formats) {
            extract = checkFormats("extract", formats);
            return this;
        }

        /**
         * The share of new traces kept, 0.0 to 1.0; a request that arrives with a sampling decision keeps it
         * (parent-based). 1.0 unless set.
         *
         * @param samplingRatio 0.0 (keep none) to 1.0 (keep all)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder samplingRatio(double samplingRatio) {
            if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
                throw new IllegalArgumentException("samplingRatio: " + samplingRatio + " (expected: 0.0..1.0)");
            }
            this.samplingRatio = samplingRatio;
            return this;
        }

        /**
         * Exports spans over OTLP HTTP/protobuf, such as {@code http://collector:4318/v1/traces}; not unless set.
         *
         * @param endpoint an {@code http} or {@code https} URI with a host, the full path included
         * @return this builder
         * @throws IllegalArgumentException if the URI is not such
         */
        public Builder otlpEndpoint(URI endpoint) {
            otlpEndpoint = checkHttp("otlpEndpoint", endpoint);
            return this;
        }

        /**
         * Exports spans to Zipkin's v2 JSON API, such as {@code http://zipkin:9411/api/v2/spans}; not unless set.
         *
         * @param endpoint an {@code http} or {@code https} URI with a host, the full path included
         * @return this builder
         * @throws IllegalArgumentException if the URI is not such
         */
        public Builder zipkinEndpoint(URI endpoint) {
            zipkinEndpoint = checkHttp("zipkinEndpoint", endpoint);
            return this;
        }

        /**
         * Exports spans with any OpenTelemetry exporter (logging, in-memory...), next to OTLP or Zipkin if those
         * are set too. Each span is handed to it as it ends, on the thread that ends it.
         *
         * @param exporter the exporter, which the telemetry shuts down when it is closed
         * @return this builder
         */
        public Builder spanExporter(SpanExporter exporter) {
            spanExporter = requireNonNull(exporter, "exporter");
            return this;
        }

        /**
         * Sets the most distinct values one label of one service's metrics may take (routes, callers); later values
         * are counted as {@code other}, so that a metric cannot grow without bound. 200 unless set.
         *
         * @param maxLabelValues at least 1
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxLabelValues(int maxLabelValues) {
            if (maxLabelValues < 1) {
                throw new IllegalArgumentException("maxLabelValues: " + maxLabelValues + " (expected: > 0)");
            }
            this.maxLabelValues = maxLabelValues;
            return this;
        }

        /**
         * Sets how often a mesh client or server with an identity reports its golden-metric summaries to the
         * registry (what {@code meshctl stat}, {@code edges} and {@code top} show); 10 seconds unless set. A report
         * never holds a request up, and a member whose registry refuses or is gone keeps serving.
         *
         * @param reportInterval at least 100 ms, or {@link Duration#ZERO} to report nothing
         * @return this builder
         * @throws IllegalArgumentException if negative or under 100 ms but not zero
         */
        public Builder reportInterval(Duration reportInterval) {
            requireNonNull(reportInterval, "reportInterval");
            if (reportInterval.isNegative() || (!reportInterval.isZero() && reportInterval.toMillis() < 100)) {
                throw new IllegalArgumentException(
                        "reportInterval: " + reportInterval + " (expected: >= 100 ms, or zero for no reports)");
            }
            this.reportInterval = reportInterval;
            return this;
        }

        /**
         * Returns the configuration.
         *
         * @return a new configuration
         */
        public TelemetryConfig build() {
            return new TelemetryConfig(this);
        }

        private static List<Propagation> checkFormats(String name, Propagation... formats) {
            requireNonNull(formats, name);
            final Set<Propagation> seen = EnumSet.noneOf(Propagation.class);
            for (Propagation format : formats) {
                if (!seen.add(requireNonNull(format, name))) {
                    throw new IllegalArgumentException(
                            name + ": " + Arrays.toString(formats) + " (expected: each format once)");
                }
            }
            return List.of(formats);
        }

        private static URI checkHttp(String name, URI endpoint) {
            requireNonNull(endpoint, name);
            final String scheme = endpoint.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null) {
                throw new IllegalArgumentException(
                        name + ": " + endpoint + " (expected: an http or https URI with a host)");
            }
            return endpoint;
        }
    }
}
