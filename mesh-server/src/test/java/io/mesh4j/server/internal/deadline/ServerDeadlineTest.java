package io.mesh4j.server.internal.deadline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;

import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.ServerStacks;

class ServerDeadlineTest {

    @RegisterExtension
    static final ServerExtension server = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            sb.requestTimeout(Duration.ofSeconds(5));
            sb.service("/left", (ctx, req) -> {
                final Deadline deadline = Deadline.of(ctx);
                return HttpResponse.of(
                        deadline == null
                                ? "none"
                                : Long.toString(deadline.remaining().toMillis()));
            });
            sb.service("/stuck", (ctx, req) -> HttpResponse.delayed(HttpResponse.of("late"), Duration.ofSeconds(4)));
            sb.decorator(ServerStacks.defaults()
                    .decorator(StackParams.empty().with(CommonParams.SERVICE, ServiceName.of("orders"))));
        }
    };

    private static AggregatedHttpResponse get(String path, String timeLeft) {
        return WebClient.of(server.httpUri())
                .prepare()
                .get(path)
                .header(Deadline.HEADER, timeLeft)
                .execute()
                .aggregate()
                .join();
    }

    @Test
    void refusesARequestWhoseCallerHasNoTimeLeft() {
        final AggregatedHttpResponse res = get("/left", "0");

        assertThat(res.status()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
        assertThat(res.contentUtf8()).contains("deadline had passed");
    }

    @Test
    void givesTheHandlerTheCallersDeadlineForTheCallsItMakes() {
        final long left = Long.parseLong(get("/left", "1500").contentUtf8());

        assertThat(left).isBetween(1L, 1500L);
    }

    @Test
    void boundsTheHandlersTimeByTheCallersDeadline() {
        final long start = System.nanoTime();
        final AggregatedHttpResponse res = get("/stuck", "300");

        assertThat(res.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aRequestWithoutTheHeaderOrWithAMalformedOneKeepsTheServersOwnTimeout() {
        assertThat(WebClient.of(server.httpUri())
                        .get("/left")
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo("none");
        assertThat(get("/left", "soon").contentUtf8()).isEqualTo("none");
    }
}
