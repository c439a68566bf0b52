package io.mesh4j.core.internal.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.mesh4j.core.annotation.Hedge;
import io.mesh4j.core.annotation.PolicyAnnotation;
import io.mesh4j.core.annotation.Retry;
import io.mesh4j.core.annotation.RuleFactory;
import io.mesh4j.core.annotation.Timeout;
import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RetrySpec.RetryOn;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

class AnnotatedRulesTest {

    /** A team's own policy annotation: its factory stands for a timeout and a retry at once. */
    @Retention(RetentionPolicy.RUNTIME)
    @PolicyAnnotation(Critical.Factory.class)
    @interface Critical {
        final class Factory implements RuleFactory<Critical> {
            @Override
            public void apply(Critical annotation, RouteRule.Builder rule) {
                rule.timeout(Duration.ofMillis(800))
                        .retry(new RetrySpec(
                                4, Set.of(RetryOn.UNPROCESSED), Duration.ofMillis(10), Duration.ofMillis(100)));
            }
        }
    }

    @Timeout(3000)
    interface Orders {
        @Retry(attempts = 2, perAttemptTimeoutMillis = 400)
        String order(String id);

        @Timeout(value = 1, unit = java.util.concurrent.TimeUnit.SECONDS)
        @Hedge(delayMillis = 50)
        String fast();

        @Critical
        String critical();

        String plain();

        @Timeout(100)
        @Retry(perAttemptTimeoutMillis = 500)
        String contradicting();

        @Hedge(delayMillis = 50, percentile = 95)
        String twoHedgeTriggers();
    }

    private static RouteRule read(String method) throws Exception {
        return AnnotatedRules.of(
                Orders.class.getMethod(
                        method, method.equals("order") ? new Class<?>[] {String.class} : new Class<?>[0]),
                Orders.class,
                RouteMatch.ALL);
    }

    @Test
    void theMethodsAnnotationsAreLaidOverTheClasss() throws Exception {
        final RouteRule order = read("order");
        assertThat(order.name()).isEqualTo("Orders.order(String)");
        assertThat(order.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(order.perAttemptTimeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(order.retry().attempts()).isEqualTo(2);
        assertThat(order.retry().on()).containsExactlyInAnyOrder(RetryOn.UNPROCESSED, RetryOn.UNAVAILABLE);

        final RouteRule fast = read("fast");
        assertThat(fast.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fast.hedge().delay()).isEqualTo(Duration.ofMillis(50));

        assertThat(read("plain").timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aTeamsOwnAnnotationWorksThroughItsFactory() throws Exception {
        final RouteRule critical = read("critical");
        assertThat(critical.timeout()).isEqualTo(Duration.ofMillis(800));
        assertThat(critical.retry().attempts()).isEqualTo(4);
    }

    @Test
    void contradictionsAndBadValuesNameTheMethod() {
        assertThatThrownBy(() -> read("contradicting"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "Orders.contradicting(): perAttemptTimeout: 500ms is longer than timeout " + "100ms");
        assertThatThrownBy(() -> read("twoHedgeTriggers"))
                .hasMessageContaining("Orders.twoHedgeTriggers(): hedge: give either delay or percentile");
    }

    @Test
    void aMethodWithoutPolicyAnnotationsAnywhereHasNoRule() throws Exception {
        assertThat(AnnotatedRules.of(Object.class.getMethod("toString"), Object.class, RouteMatch.ALL))
                .isNull();
    }
}
