package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
