package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.discovery.ServiceName;

/** The balancer's extras: the caller's zone first while it can take the load, and slow start for newcomers. */
class ZoneAndSlowStartTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private Backend inZone(String id, String zone) {
        return Backend.start(registry.client(), "orders", id, zone, Map.of(), Backend.ok(id));
    }

    @Test
    void callsStayInTheCallersZoneUntilItLosesTooMuchOfItsCapacityThenFailOver() {
        try (Backend a1 = inZone("a1", "zone-a");
                Backend a2 = inZone("a2", "zone-a");
                Backend b1 = inZone("b1", "zone-b");
                // Round robin keeps sending to the dead instance until its breaker opens; peak EWMA would shun it
                // before, and zone-a would keep what it has.
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .zone("zone-a")
                        .balancer(Balancers.roundRobin())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 3);

            DiscoveryTest.sendAll(orders, 60);
            assertThat(a1.hits.get() + a2.hits.get()).isEqualTo(60);
            assertThat(b1.hits).hasValue(0);

            // a1 dies without deregistering: its breaker opens, and half of zone-a is less than it needs.
            a1.kill();
            DiscoveryTest.sendAll(orders, 60);
            assertThat(mesh.ejected(ServiceName.of("orders"))).hasSize(1);
            final int b1Before = b1.hits.get();
            DiscoveryTest.sendAll(orders, 60);
            assertThat(b1.hits.get() - b1Before)
                    .as("calls that failed over to zone-b")
                    .isPositive();
        }
    }

    @Test
    void withoutAZoneCallsSpreadOverEveryZone() {
        try (Backend a1 = inZone("a1", "zone-a");
                Backend b1 = inZone("b1", "zone-b");
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            DiscoveryTest.sendAll(orders, 60);
            assertThat(a1.hits.get()).isPositive();
            assertThat(b1.hits.get()).isPositive();
        }
    }

    @Test
    void aNewInstanceRampsUpOverTheSlowStartWindow() {
        final FakeTicker ticker = new FakeTicker();
        try (Backend a1 = inZone("a1", "");
                Backend a2 = inZone("a2", "");
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .ticker(ticker)
                        .balancer(Balancers.p2cPeakEwma(Duration.ofSeconds(30)))
                        .build()) {
            // The endpoints there when the balancer first picks are warm already.
            DiscoveryTest.sendAll(RetryTest.connected(mesh, "orders", 2), 10);
            try (Backend newcomer = inZone("a3", "")) {
                final WebClient orders = RetryTest.connected(mesh, "orders", 3);

                DiscoveryTest.sendAll(orders, 300);
                final int coldShare = newcomer.hits.get();
                // At full share it would get about a third; a tenth of that at first.
                assertThat(coldShare)
                        .as("the newcomer's calls of 300 when it has just joined")
                        .isLessThan(30);

                ticker.advance(Duration.ofSeconds(30));
                DiscoveryTest.sendAll(orders, 300);
                assertThat(newcomer.hits.get() - coldShare)
                        .as("its calls of 300 once warm")
                        .isGreaterThan(60);
            }
        }
    }

    @Test
    void aNegativeSlowStartFailsWhenItIsPassedNamingWhatToChange() {
        assertThatThrownBy(() -> Balancers.p2cPeakEwma(Duration.ofSeconds(-30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p2cPeakEwma(slowStart): PT-30S")
                .hasMessageContaining("expected: >= 0");
    }
}
