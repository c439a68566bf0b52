package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.DnsDiscovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.micrometer.core.instrument.Gauge;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * Static, DNS (A and SRV, from a real DNS server on loopback) and registry backends side by side in one client, calling
 * real servers on loopback.
 */
class DiscoveryBackendsTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
            .serviceName("frontend")
            .spanExporter(spans)
            .build());
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        telemetry.close();
    }

    /** A server that answers every request with {@code body}, counting them. */
    private Server serve(InetSocketAddress address, String body, AtomicInteger hits) {
        final Server server = Server.builder()
                // Nothing to drain in a test, and no 2 s quiet period for the boss group either (see BossGroups).
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .http(address)
                .service("/", (ctx, req) -> {
                    hits.incrementAndGet();
                    return HttpResponse.of(body);
                })
                .build();
        server.start().join();
        closeAfter.add(server::close);
        return server;
    }

    @Test
    void staticDnsAndSrvBackendsFeedOneClientAlikeAndDnsChangesAreFollowedOnTheirTtl() throws Exception {
        final LoopbackDnsServer dns = new LoopbackDnsServer();
        closeAfter.add(dns);
        final InetAddress first = InetAddress.getByName("127.0.0.1");
        final InetAddress second = InetAddress.getByName("127.0.0.2");

        final AtomicInteger legacyHits = new AtomicInteger();
        final int legacyPort =
                serve(new InetSocketAddress(first, 0), "legacy", legacyHits).activeLocalPort();
        // A records carry no port: both search servers listen on one port, at two loopback addresses.
        final AtomicInteger searchFirst = new AtomicInteger();
        final AtomicInteger searchSecond = new AtomicInteger();
        final int searchPort =
                serve(new InetSocketAddress(first, 0), "search-1", searchFirst).activeLocalPort();
        serve(new InetSocketAddress(second, searchPort), "search-2", searchSecond);
        dns.a("search.mesh4j.test", first);
        // SRV records carry their ports: two ledger servers on one address.
        final AtomicInteger ledgerX = new AtomicInteger();
        final AtomicInteger ledgerY = new AtomicInteger();
        final int portX =
                serve(new InetSocketAddress(first, 0), "ledger-x", ledgerX).activeLocalPort();
        final int portY =
                serve(new InetSocketAddress(first, 0), "ledger-y", ledgerY).activeLocalPort();
        dns.srv(
                "_http._tcp.ledger.mesh4j.test",
                new LoopbackDnsServer.Srv(10, portX, "localhost"),
                new LoopbackDnsServer.Srv(10, portY, "localhost"));

        final MeshClient mesh = MeshClient.builder(registry.uri())
                .plaintext()
                .telemetry(telemetry)
                .discovery("legacy", Discovery.parse("static:127.0.0.1:" + legacyPort), PeerTransport.PLAINTEXT)
                .discovery(
                        "search",
                        DnsDiscovery.address("search.mesh4j.test", searchPort)
                                .serverAddresses(dns.address())
                                .ttl(1, 1)
                                .build(),
                        PeerTransport.PLAINTEXT)
                .discovery(
                        "ledger",
                        DnsDiscovery.srv("_http._tcp.ledger.mesh4j.test")
                                .serverAddresses(dns.address())
                                .ttl(1, 1)
                                .build())
                .build();
        closeAfter.add(mesh);

        final WebClient legacy = mesh.webClient("legacy");
        final WebClient search = mesh.webClient("search");
        final WebClient ledger = mesh.webClient("ledger");
        for (int i = 0; i < 10; i++) {
            assertThat(call(legacy)).isEqualTo("legacy");
            assertThat(call(search)).isEqualTo("search-1");
        }
        assertThat(legacyHits).hasValue(10);
        // Both SRV targets are balanced over, each at its own port.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(call(ledger)).startsWith("ledger-");
            assertThat(ledgerX).hasPositiveValue();
            assertThat(ledgerY).hasPositiveValue();
        });

        // A new address in DNS is called once the old answer's one-second TTL runs out; every call succeeds.
        dns.a("search.mesh4j.test", first, second);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(call(search)).startsWith("search-");
            assertThat(searchSecond).hasPositiveValue();
        });
        // And one gone from DNS is no longer called.
        dns.a("search.mesh4j.test", second);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> mesh.endpoints(ServiceName.of("search")).size() == 1);
        final int before = searchFirst.get();
        for (int i = 0; i < 10; i++) {
            assertThat(call(search)).isEqualTo("search-2");
        }
        assertThat(searchFirst).hasValue(before);

        // Calls to services outside the mesh say so in their spans and in the discovery gauge; members' do not.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> spans.getFinishedSpanItems().size() >= 20);
        final AttributeKey<Boolean> member = AttributeKey.booleanKey("mesh.member");
        assertThat(spansOf("legacy"))
                .isNotEmpty()
                .allSatisfy(span -> assertThat(span.getAttributes().get(member)).isFalse());
        assertThat(spansOf("ledger"))
                .isNotEmpty()
                .allSatisfy(span -> assertThat(span.getAttributes().get(member)).isNull());
        assertThat(gauge("legacy", "static", "false")).isEqualTo(1);
        assertThat(gauge("search", "dns", "false")).isEqualTo(1);
        assertThat(gauge("ledger", "dns", "true")).isEqualTo(2);
    }

    @Test
    void badDiscoverySpecsSayWhatToWrite() {
        assertThatThrownBy(() -> Discovery.parse("consul:payments"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scheme 'consul'")
                .hasMessageContaining("static:host:port,host:port");
        assertThatThrownBy(() -> Discovery.parse("kubernetes:payments.prod:http"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mesh-kubernetes");
        assertThatThrownBy(() -> Discovery.parse("static:10.0.0.7"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'10.0.0.7' has no port");
        assertThatThrownBy(() -> Discovery.parse("static:10.0.0.7:8080,"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an empty entry");
        assertThatThrownBy(() -> Discovery.parse("dns:search.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: dns:hostname:port");
        assertThatThrownBy(() -> Discovery.parse("dns:search.example:http"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port 'http' is not a number");
        assertThatThrownBy(() -> PeerTransport.parse("mtls"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: mesh, tls or plaintext");
        assertThatThrownBy(() -> MeshClient.builder(registry.uri())
                        .discovery("orders", Discovery.registry(), PeerTransport.PLAINTEXT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the registry's instances are mesh members");
        assertThat(Discovery.parse("registry")).isSameAs(Discovery.registry());
        assertThat(Discovery.parse("static:127.0.0.1:80,[::1]:8080")).hasToString("static:127.0.0.1:80,[::1]:8080");
    }

    private static String call(WebClient client) {
        final AggregatedHttpResponse res = client.get("/").aggregate().join();
        assertThat(res.status().code()).isEqualTo(200);
        return res.contentUtf8();
    }

    private List<SpanData> spansOf(String service) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> service.equals(span.getAttributes().get(AttributeKey.stringKey("peer.service"))))
                .toList();
    }

    private double gauge(String service, String backend, String member) {
        final Gauge gauge = telemetry
                .meterRegistry()
                .find("mesh.client.discovery.endpoints")
                .tag("service", service)
                .tag("backend", backend)
                .tag("mesh_member", member)
                .gauge();
        assertThat(gauge).as("gauge of %s", service).isNotNull();
        return gauge.value();
    }
}
