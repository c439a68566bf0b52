package io.mesh4j.client.internal.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.Endpoint;

class LeastConnectionsTest {

    private final Endpoint busy = Endpoint.of("127.0.0.1", 1001);
    private final Endpoint idle = Endpoint.of("127.0.0.1", 1002);
    private final LeastConnections balancer = new LeastConnections();

    @Test
    void ofTwoInstancesTheOneWithFewerOpenConnectionsIsPickedWheneverBothAreDrawn() {
        balancer.opened(busy);
        balancer.opened(busy);
        int idlePicks = 0;
        for (int i = 0; i < 1000; i++) {
            if (idle.equals(balancer.pick(List.of(busy, idle), Set.of()))) {
                idlePicks++;
            }
        }
        // Two draws from two: both are "busy" a quarter of the time, and only then is busy picked.
        assertThat(idlePicks).isBetween(650, 850);
    }

    @Test
    void anInstanceThisConnectionAlreadyTriedIsNotPickedAgain() {
        for (int i = 0; i < 100; i++) {
            assertThat(balancer.pick(List.of(busy, idle), Set.of(busy.authority())))
                    .isEqualTo(idle);
        }
        assertThat(balancer.pick(List.of(busy, idle), Set.of(busy.authority(), idle.authority())))
                .isNull();
    }

    @Test
    void aClosedConnectionNoLongerCounts() {
        balancer.opened(busy);
        balancer.closed(busy);
        int busyPicks = 0;
        for (int i = 0; i < 1000; i++) {
            if (busy.equals(balancer.pick(List.of(busy, idle), Set.of()))) {
                busyPicks++;
            }
        }
        assertThat(busyPicks).isBetween(400, 600);
    }
}
