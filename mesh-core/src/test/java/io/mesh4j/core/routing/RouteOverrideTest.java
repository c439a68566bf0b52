package io.mesh4j.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mesh4j.core.discovery.ServiceName;

class RouteOverrideTest {

    @Test
    void readsServiceAndSubsetTargetsAndWritesThemBack() {
        final RouteOverride override =
                RouteOverride.parse(" orders=>orders-canary ;inventory=>inventory{version=\"v2\", zone=b};");

        assertThat(override.targetOf(ServiceName.of("orders")))
                .isEqualTo(new RouteOverride.Target(ServiceName.of("orders-canary"), Subset.ALL));
        assertThat(override.targetOf(ServiceName.of("inventory")))
                .isEqualTo(new RouteOverride.Target(
                        ServiceName.of("inventory"), new Subset(Map.of("version", "v2", "zone", "b"))));
        assertThat(override.targetOf(ServiceName.of("payments"))).isNull();
        assertThat(override.format()).isEqualTo("orders=>orders-canary; inventory=>inventory{version=v2,zone=b}");
        assertThat(RouteOverride.parse(override.format())).isEqualTo(override);
    }

    @Test
    void malformedOverridesSayWhatIsExpected() {
        assertThatThrownBy(() -> RouteOverride.parse("orders to canary"))
                .hasMessageContaining("expected: service=>target");
        assertThatThrownBy(() -> RouteOverride.parse("orders=>Orders")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteOverride.parse("orders=>orders{version}"))
                .hasMessageContaining("label 'version' (expected: key=value)");
        assertThatThrownBy(() -> RouteOverride.parse(" ; ")).hasMessageContaining("no entry");
        assertThatThrownBy(() -> RouteOverride.parse("a=>b;".repeat(17).replace("a=>b;", "")
                        + "s0=>t;s1=>t;s2=>t;s3=>t;s4=>t;s5=>t;s6=>t;s7=>t;s8=>t;"
                        + "s9=>t;s10=>t;s11=>t;s12=>t;s13=>t;s14=>t;s15=>t;s16=>t"))
                .hasMessageContaining("at most 16");
    }
}
