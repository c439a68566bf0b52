package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TcpForwardTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void aForwardNeedsTheClientsIdentityAndAPortInRange() {
        try (MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            assertThatThrownBy(() -> mesh.tcpForward("redis"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tcpForward(..) needs the client's identity");
            assertThatThrownBy(() -> mesh.tcpForward("redis", 70_000))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("port: 70000 (expected: 0..65535");
            assertThatThrownBy(() -> mesh.tcpForward("Not A Service")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aForwardsTimeoutsSayWhatToChange() {
        assertThatThrownBy(() -> TcpForwardConfig.builder().idleTimeout(Duration.ofMillis(50)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idleTimeout: PT0.05S (expected: 0 for no idle timeout, or >= 100 ms, such as "
                        + "Duration.ofMinutes(10))");
        assertThatThrownBy(() -> TcpForwardConfig.builder().idleTimeout(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("idleTimeout: PT-5S (expected: 0 for no idle timeout");
        assertThatThrownBy(() -> TcpForwardConfig.builder().connectTimeout(Duration.ofNanos(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectTimeout: PT0.000000001S (expected: 1 ms to 1 hour, such as "
                        + "Duration.ofSeconds(3))");
        assertThatThrownBy(() -> TcpForwardConfig.builder().connectTimeout(Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connectTimeout: PT24H (expected: 1 ms to 1 hour");
        assertThatThrownBy(() -> TcpForwardConfig.builder().port(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port: -1 (expected: 0..65535, 0 for any free port)");

        final TcpForwardConfig config = TcpForwardConfig.builder()
                .idleTimeout(Duration.ZERO)
                .connectTimeout(Duration.ofMillis(1))
                .build();
        assertThat(config.idleTimeout()).isZero();
        assertThat(TcpForwardConfig.ofDefaults().idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(TcpForwardConfig.ofDefaults().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    }
}
