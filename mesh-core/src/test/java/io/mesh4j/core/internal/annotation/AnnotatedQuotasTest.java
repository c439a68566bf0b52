package io.mesh4j.core.internal.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.mesh4j.core.annotation.Quota;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.QuotaSpec;

class AnnotatedQuotasTest {

    @Quota(requests = 600, per = "1m")
    static final class Payments_Api {
        @Quota(requests = 100, caller = "frontend")
        public void charge() {}

        @Quota(requests = 5, per = "30s", name = "refunds")
        public void refund() {}

        public void status() {}

        @Quota(requests = 1)
        public void aMethodWithAVeryLongNameThatTakesTheDerivedQuotaNamePastSixtyThreeCharacters() {}

        @Quota(requests = 1, caller = "Front End")
        public void badCaller() {}
    }

    static final class Plain {
        public void status() {}
    }

    private static QuotaSpec of(Class<?> type, String method) throws Exception {
        return AnnotatedQuotas.of(type.getMethod(method), type);
    }

    @Test
    void aNameIsDerivedFromTheClassTheMethodAndTheCallerUnlessGiven() throws Exception {
        assertThat(of(Payments_Api.class, "charge"))
                .isEqualTo(new QuotaSpec(
                        "payments-api-charge-from-frontend",
                        null,
                        ServiceName.of("frontend"),
                        100,
                        Duration.ofSeconds(1)));
        assertThat(of(Payments_Api.class, "refund"))
                .isEqualTo(new QuotaSpec("refunds", null, null, 5, Duration.ofSeconds(30)));
        // The class's quota, for a method without its own: one name for every such method.
        assertThat(of(Payments_Api.class, "status"))
                .isEqualTo(new QuotaSpec("payments-api", null, null, 600, Duration.ofMinutes(1)));
        final String long1 = of(
                        Payments_Api.class,
                        "aMethodWithAVeryLongNameThatTakesTheDerivedQuotaNamePastSixtyThreeCharacters")
                .name();
        assertThat(long1)
                .hasSizeLessThanOrEqualTo(63)
                .startsWith("payments-api-amethodwith")
                .matches(".*-[0-9a-f]{8}");
        assertThat(AnnotatedQuotas.of(Plain.class.getMethod("status"), Plain.class))
                .isNull();
    }

    @Test
    void aWrongValueNamesTheMethodAndTheField() {
        assertThatThrownBy(() -> of(Payments_Api.class, "badCaller"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Payments_Api.badCaller(): @Quota(requests = 1, per = \"1s\", caller = \"Front "
                        + "End\"): caller: ")
                .hasMessageEndingWith("(fix the @Quota of this method or its class)");
    }
}
