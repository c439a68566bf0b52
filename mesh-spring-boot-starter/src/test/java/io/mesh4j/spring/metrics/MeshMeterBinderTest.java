package io.mesh4j.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The mesh's meters, mirrored into an application's registry with its common tags. */
class MeshMeterBinderTest {

    private final SimpleMeterRegistry mesh = new SimpleMeterRegistry();
    private final SimpleMeterRegistry application = new SimpleMeterRegistry();

    MeshMeterBinderTest() {
        application.config().meterFilter(MeterFilter.commonTags(Tags.of("team", "payments")));
    }

    @Test
    void meshMetersBeforeAndAfterBindingReadTheMeshsValuesWithTheApplicationsCommonTags() {
        final Counter retries =
                Counter.builder("mesh.client.retries").tag("service", "orders").register(mesh);
        retries.increment(3);
        try (MeshMeterBinder binder = new MeshMeterBinder(mesh)) {
            binder.bindTo(application);

            // Made after binding, as the mesh makes a route's timer at its first call.
            final Timer requests = Timer.builder("mesh.client.requests")
                    .tags("service", "orders", "route", "/orders/{id}")
                    .register(mesh);
            requests.record(20, TimeUnit.MILLISECONDS);
            requests.record(40, TimeUnit.MILLISECONDS);
            final AtomicInteger open = new AtomicInteger(2);
            Gauge.builder("mesh.client.websocket.connections.active", open, AtomicInteger::get)
                    .register(mesh);
            retries.increment();

            final FunctionCounter mirroredRetries = application
                    .get("mesh.client.retries")
                    .tags("service", "orders", "team", "payments")
                    .functionCounter();
            assertThat(mirroredRetries.count()).isEqualTo(4);
            final FunctionTimer mirroredRequests = application
                    .get("mesh.client.requests")
                    .tags("route", "/orders/{id}", "team", "payments")
                    .functionTimer();
            assertThat(mirroredRequests.count()).isEqualTo(2);
            assertThat(mirroredRequests.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(60);
            assertThat(application
                            .get("mesh.client.websocket.connections.active")
                            .tags("team", "payments")
                            .gauge()
                            .value())
                    .isEqualTo(2);

            // A meter the mesh removes leaves the application's registry too.
            mesh.remove(retries);
            assertThat(application.find("mesh.client.retries").meter()).isNull();
        }
        // Closed with the context: the mirrors go, the mesh's own meters stay.
        assertThat(application.find("mesh.client.requests").meter()).isNull();
        assertThat(mesh.find("mesh.client.requests").timer()).isNotNull();
    }

    @Test
    void eachMeterIsMirroredOnceEvenIfBoundTwice() {
        Counter.builder("mesh.server.authz.decisions").register(mesh).increment();
        try (MeshMeterBinder binder = new MeshMeterBinder(mesh)) {
            binder.bindTo(application);
            binder.bindTo(application);
            assertThat(application.find("mesh.server.authz.decisions").meters()).hasSize(1);
        }
    }
}
