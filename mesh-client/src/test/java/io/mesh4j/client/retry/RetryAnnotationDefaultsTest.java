package io.mesh4j.client.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.core.annotation.Retry;
import io.mesh4j.core.annotation.ServiceClient;
import io.mesh4j.core.internal.annotation.AnnotatedRules;
import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

class RetryAnnotationDefaultsTest {

    @ServiceClient("orders")
    interface OrdersClient {
        @Get("/orders")
        @Retry(attempts = 4)
        String orders();
    }

    @Test
    void anAnnotatedMethodWithoutBackoffAttributesGetsRetryConfigsDefaults() throws Exception {
        final Method method = OrdersClient.class.getMethod("orders");
        final RouteRule rule = AnnotatedRules.of(method, OrdersClient.class, RouteMatch.ALL);

        assertThat(rule).isNotNull();
        final RetrySpec retry = rule.retry();
        assertThat(retry).isNotNull();
        assertThat(retry.attempts()).isEqualTo(4);
        assertThat(retry.backoffBase()).isEqualTo(RetryConfig.ofDefaults().backoffBase());
        assertThat(retry.backoffCap()).isEqualTo(RetryConfig.ofDefaults().backoffCap());
    }
}
