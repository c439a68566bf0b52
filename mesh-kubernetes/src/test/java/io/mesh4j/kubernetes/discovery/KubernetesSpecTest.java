package io.mesh4j.kubernetes.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.mesh4j.client.discovery.Discovery;

/** The {@code kubernetes:} spec, found by {@code Discovery.parse} through ServiceLoader with this module present. */
class KubernetesSpecTest {

    @Test
    void kubernetesSpecsAreParsedWhenTheModuleIsOnTheClassPathAndBadOnesSayWhatToWrite() {
        assertThat(Discovery.parse("kubernetes:payments.prod:http"))
                .isInstanceOf(KubernetesDiscovery.class)
                .hasToString("kubernetes:payments.prod:http");
        assertThatThrownBy(() -> Discovery.parse("kubernetes:payments.prod"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no port name")
                .hasMessageContaining("kubernetes:payments.prod:http");
        assertThatThrownBy(() -> Discovery.parse("kubernetes:Payments.prod:http"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("service: 'Payments'");
        assertThatThrownBy(() -> Discovery.parse("nope:x"))
                .hasMessageContaining("kubernetes:<service>.<namespace>:<port name>");
    }
}
