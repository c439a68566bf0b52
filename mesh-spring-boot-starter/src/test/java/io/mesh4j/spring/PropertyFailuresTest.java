package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.mesh4j.client.MeshClient;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * Each {@code mesh.*} value the mesh would refuse fails the start with a failure analysis that names that very
 * property, per called service included, and says what to set it to.
 */
class PropertyFailuresTest {

    /** A client-only application: the registration properties are checked even where they do nothing yet. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
            .withPropertyValues("spring.application.name=frontend", "mesh.registry=http://127.0.0.1:1", "mesh.tls=off");

    private void assertFails(String property, String description, String action) {
        runner.withPropertyValues(property).run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis).as(property).isNotNull();
            assertThat(analysis.getDescription()).as(property).contains(description);
            assertThat(analysis.getAction()).as(property).contains(action);
        });
    }

    @Test
    void eachRegistrationPropertyTheRegistryWouldRefuseNamesItself() {
        assertFails("mesh.port=70000", "mesh.port: 70000 is not a port", "Set mesh.port to a port from 1 to 65535");
        assertFails(
                "mesh.advertised-host=not a host",
                "mesh.advertised-host: host: 'not a host'",
                "Set mesh.advertised-host to the host name or IP address callers reach this instance at");
        assertFails("mesh.instance-id=orders 1", "mesh.instance-id: ", "Set mesh.instance-id to 1 to 128 letters");
        assertFails("mesh.zone=eu west", "mesh.zone: zone: 'eu west'", "Set mesh.zone to the failure domain's");
        assertFails("mesh.weight=0", "mesh.weight: weight: 0 (expected: 1..10000", "Set mesh.weight to");
        assertFails(
                "mesh.metadata[bad key]=v2", "mesh.metadata: metadata key: 'bad key'", "mesh.metadata.<key>=<value>");
        assertFails("mesh.ttl=1500ms", "mesh.ttl: ttlSeconds: 1", "Set mesh.ttl to a whole number of seconds");
        assertFails("mesh.drain-period=-1s", "mesh.drain-period: PT-1S is negative", "Set mesh.drain-period to 0s");
    }

    @Test
    void eachOutboundPolicyPropertyNamesItselfPerServiceToo() {
        assertFails(
                "mesh.client.timeout=0s",
                "mesh.client.timeout: timeout: PT0S (expected: > 0)",
                "Set mesh.client.timeout to how long a call may take");
        assertFails(
                "mesh.client.max-attempts=11",
                "mesh.client.max-attempts: maxAttempts: 11 (expected: 1..10)",
                "Set mesh.client.max-attempts to the attempts in all");
        assertFails(
                "mesh.services.orders.timeout=-2s",
                "mesh.services.orders.timeout: timeout: PT-2S",
                "Set mesh.services.orders.timeout to");
        assertFails(
                "mesh.services.orders.stream-timeout=0s",
                "mesh.services.orders.stream-timeout: streamTimeout: PT0S (expected: > 0)",
                "Set mesh.services.orders.stream-timeout to how long a gRPC stream may last");
        assertFails(
                "mesh.services.orders.max-attempts=0",
                "mesh.services.orders.max-attempts: maxAttempts: 0",
                "Set mesh.services.orders.max-attempts to");
        assertFails(
                "mesh.services[Orders_DB].timeout=2s",
                "mesh.services.Orders_DB: ",
                "Key mesh.services by the called service's name");
    }

    @Test
    void aDiscoveryOrTransportTheClientWouldRefuseNamesItsServiceAndSaysWhatToWrite() {
        assertFails(
                "mesh.services.payments.discovery=consul:payments",
                "mesh.services.payments.discovery: discovery 'consul:payments': unknown scheme 'consul'",
                "Set mesh.services.payments.discovery to registry (the default), static:host:port,host:port");
        assertFails(
                "mesh.services.legacy.discovery=static:10.0.0.7",
                "mesh.services.legacy.discovery: discovery 'static:10.0.0.7': '10.0.0.7' has no port",
                "static:host:port,host:port");
        assertFails(
                "mesh.services.search.discovery=dns:search.example",
                "mesh.services.search.discovery: discovery 'dns:search.example': no port",
                "dns:hostname:port");
        assertFails(
                "mesh.services.payments.discovery=kubernetes:payments.prod:http",
                "add the io.mesh4j:mesh-kubernetes module to the class path",
                "kubernetes:service.namespace:port-name");
        assertFails(
                "mesh.services.legacy.transport=mtls",
                "mesh.services.legacy.transport: transport: 'mtls' (expected: mesh, tls or plaintext)",
                "Set mesh.services.legacy.transport to mesh");
        assertFails(
                "mesh.services.orders.transport=plaintext",
                "mesh.services.orders.transport: plaintext with the registry's instances",
                "Set mesh.services.orders.discovery to where the service outside the mesh is");
    }

    @Test
    void aWebSocketPingIntervalTheClientWouldRefuseNamesItself() {
        assertFails(
                "mesh.client.websocket-ping-interval=10ms",
                "mesh.client.websocket-ping-interval: webSocketPingInterval: PT0.01S (expected: 0 for no pings, or "
                        + ">= 100 ms)",
                "Set mesh.client.websocket-ping-interval to how long a WebSocket connection may stay idle");
    }

    @Test
    void aReportIntervalTheTelemetryWouldRefuseNamesItself() {
        assertFails(
                "mesh.telemetry.report-interval=50ms",
                "mesh.telemetry.report-interval: reportInterval: PT0.05S (expected: >= 100 ms, or zero for no reports)",
                "Set mesh.telemetry.report-interval to how often the golden metrics go to the registry");
    }

    @Test
    void anUnknownBalancerNamesTheOnesThereAre() {
        assertFails(
                "mesh.client.balancer=least-loaded",
                "mesh.client.balancer: 'least-loaded' is not a balancer",
                "p2c (the default), round-robin or weighted-round-robin");
    }

    @Test
    void slowStartIsForTheP2cBalancerAndNeverNegative() {
        assertFails(
                "mesh.client.slow-start=-5s",
                "mesh.client.slow-start: PT-5S is negative",
                "Set mesh.client.slow-start to how long a new instance takes");
        runner.withPropertyValues("mesh.client.balancer=round-robin", "mesh.client.slow-start=30s")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.client.slow-start: slow start ramps the p2c balancer, not round-robin");
                    assertThat(analysis.getAction()).contains("Set mesh.client.balancer=p2c");
                });
        runner.withPropertyValues("mesh.client.slow-start=30s")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theMeshRefusesToStartWithoutItsIdentityFilesUnlessTlsIsTurnedOff() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withPropertyValues("spring.application.name=frontend", "mesh.registry=https://127.0.0.1:1")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("mesh.join-token-file: not set, and mesh.tls is on");
                    assertThat(analysis.getAction())
                            .contains("meshctl token create --service frontend")
                            .contains("or mesh.tls=off on a trusted network");
                });
    }

    @Test
    void severalRegistriesSeparatedByCommasAreEachReplicaInTurnAndEachIsChecked() {
        runner.withPropertyValues("mesh.registry=http://127.0.0.1:1, http://127.0.0.1:2")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MeshClient.class).registryUris())
                            .containsExactly(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
                });
        assertFails(
                "mesh.registry=http://127.0.0.1:1,registry:7070",
                "'registry:7070' is not http://<host>:<port>",
                "Set mesh.registry to an address such as http://registry.internal:7070");
        assertFails(
                "mesh.registry=http://127.0.0.1:1,http://127.0.0.1:1",
                "names http://127.0.0.1:1 twice",
                "each replica's address once");
    }

    @Test
    void aDurationThatDoesNotParseNamesThePropertyAndTheValue() {
        runner.withPropertyValues("mesh.client.timeout=soon").run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains("mesh.client.timeout")
                    .contains("soon");
            assertThat(analysis.getAction()).contains("Update your application's configuration");
        });
    }
}
