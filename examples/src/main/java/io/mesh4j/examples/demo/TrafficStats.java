package io.mesh4j.examples.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.StackParams;

/**
 * What the demo shows: per service, the calls its callers made (rate, success, latency) and how their attempts
 * spread over its instances. Recorded by two layers the demo adds to every mesh client's stack, which is how a
 * user adds a layer of their own (the attempts' layer has a per-attempt role, since it stands below RETRY):
 * <pre>{@code
 * stack(s -> s.insertBefore(ClientRoles.DEADLINE, stats.callLayer()).append(stats.attemptLayer()))
 * }</pre>
 */
final class TrafficStats {

    private final Map<String, ServiceTraffic> services = new ConcurrentHashMap<>();

    /** Outermost: sees each call once, as its caller does, retries included. */
    Layer<HttpClient> callLayer() {
        return perService(Role.of("DEMO_CALLS"), CallRecorder::new);
    }

    /** Innermost: sees each attempt on the instance the balancer picked. */
    Layer<HttpClient> attemptLayer() {
        return perService(Role.perAttempt("DEMO_ATTEMPTS"), AttemptRecorder::new);
    }

    private Layer<HttpClient> perService(Role role, BiFunction<HttpClient, ServiceTraffic, HttpClient> recorder) {
        return new AbstractLayer<>(role) {
            @Override
            public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
                final ServiceTraffic traffic =
                        of(params.get(CommonParams.SERVICE).value());
                return delegate -> recorder.apply(delegate, traffic);
            }
        };
    }

    private static final class CallRecorder extends SimpleDecoratingHttpClient {
        private final ServiceTraffic traffic;

        CallRecorder(HttpClient delegate, ServiceTraffic traffic) {
            super(delegate);
            this.traffic = traffic;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final long start = System.nanoTime();
            ctx.log()
                    .whenComplete()
                    .thenAccept(log -> traffic.recordCall(
                            System.nanoTime() - start,
                            log.responseCause() != null
                                    ? String.valueOf(log.responseCause())
                                    : log.responseHeaders().status().isSuccess()
                                            ? null
                                            : log.responseHeaders().status().toString()));
            return unwrap().execute(ctx, req);
        }
    }

    private static final class AttemptRecorder extends SimpleDecoratingHttpClient {
        private final ServiceTraffic traffic;

        AttemptRecorder(HttpClient delegate, ServiceTraffic traffic) {
            super(delegate);
            this.traffic = traffic;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final Endpoint endpoint = ctx.endpoint();
            if (endpoint != null) {
                final InstanceId id = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
                traffic.recordAttempt(id != null ? id.value() : endpoint.authority());
            }
            return unwrap().execute(ctx, req);
        }
    }

    ServiceTraffic of(String service) {
        return services.computeIfAbsent(service, unused -> new ServiceTraffic());
    }

    /**
     * The traffic since the last call, per service, sorted by name; starts a new interval.
     */
    Map<String, Interval> takeInterval() {
        final Map<String, Interval> intervals = new TreeMap<>();
        services.forEach((service, traffic) -> intervals.put(service, traffic.takeInterval()));
        return intervals;
    }

    /** The traffic of one service. */
    static final class ServiceTraffic {
        private final Recorder latencyMicros = new Recorder(3);
        private final LongAdder calls = new LongAdder();
        private final LongAdder failures = new LongAdder();
        private final LongAdder totalCalls = new LongAdder();
        private final LongAdder totalFailures = new LongAdder();
        private final AtomicReference<@Nullable String> firstFailure = new AtomicReference<>();
        private final Map<String, LongAdder> attempts = new ConcurrentHashMap<>();

        /** One call, {@code failure} saying how it failed (a status or an exception), null when it did not. */
        void recordCall(long nanos, @Nullable String failure) {
            latencyMicros.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos)));
            calls.increment();
            totalCalls.increment();
            if (failure != null) {
                failures.increment();
                totalFailures.increment();
                firstFailure.compareAndSet(null, failure);
            }
        }

        /** How the first failed call failed, for the demo's last line; null while none has. */
        @Nullable
        String firstFailure() {
            return firstFailure.get();
        }

        void recordAttempt(String instance) {
            attempts.computeIfAbsent(instance, unused -> new LongAdder()).increment();
        }

        synchronized Interval takeInterval() {
            final Map<String, Long> spread = new TreeMap<>();
            attempts.forEach((instance, count) -> {
                final long n = count.sumThenReset();
                if (n > 0) {
                    spread.put(instance, n);
                }
            });
            return new Interval(
                    calls.sumThenReset(),
                    failures.sumThenReset(),
                    latencyMicros.getIntervalHistogram(),
                    spread,
                    totalCalls.sum(),
                    totalFailures.sum());
        }
    }

    /** One service's traffic over one interval, and its totals so far. */
    static final class Interval {
        final long calls;
        final long failures;
        final Histogram latencyMicros;
        final Map<String, Long> attemptsPerInstance;
        final long totalCalls;
        final long totalFailures;

        Interval(
                long calls,
                long failures,
                Histogram latencyMicros,
                Map<String, Long> attemptsPerInstance,
                long totalCalls,
                long totalFailures) {
            this.calls = calls;
            this.failures = failures;
            this.latencyMicros = latencyMicros;
            this.attemptsPerInstance = attemptsPerInstance;
            this.totalCalls = totalCalls;
            this.totalFailures = totalFailures;
        }
    }
}
