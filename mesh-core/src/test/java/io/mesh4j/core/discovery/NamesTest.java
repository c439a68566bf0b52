package io.mesh4j.core.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "orders",
                "a",
                "0",
                "orders-v2",
                "a23456789012345678901234567890123456789012345678901234567890123"
            })
    void acceptsDns1123Labels(String name) {
        assertThat(ServiceName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Orders",
                "-orders",
                "orders-",
                "ord_ers",
                "orders.v2",
                "ördersß",
                "a234567890123456789012345678901234567890123456789012345678901234"
            })
    void refusesAnythingElseSayingWhatAServiceNameIs(String name) {
        assertThatThrownBy(() -> ServiceName.of(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: a DNS-1123 label");
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders-1", "ORDERS_1.a", "x"})
    void acceptsInstanceIds(String id) {
        assertThat(InstanceId.of(id).value()).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a/b", "naïve", "\u0000"})
    void refusesBadInstanceIdsWithoutEchoingControlCharacters(String id) {
        assertThatThrownBy(() -> InstanceId.of(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 1 to 128 letters")
                .hasMessageNotContaining("\u0000");
    }
}
