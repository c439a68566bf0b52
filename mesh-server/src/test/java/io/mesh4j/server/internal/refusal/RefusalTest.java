package io.mesh4j.server.internal.refusal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;

class RefusalTest {

    private static ServiceRequestContext request(String contentType) {
        return ServiceRequestContext.of(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/pkg.Svc/Call")
                .contentType(com.linecorp.armeria.common.MediaType.parse(contentType))
                .build()));
    }

    @Test
    void aGrpcCallGetsATrailersOnlyStatusWithThePercentEncodedMessage() {
        final AggregatedHttpResponse res = Refusal.of(
                        request("application/grpc+proto"),
                        Status.Code.PERMISSION_DENIED,
                        "100% refused: café",
                        () -> HttpResponse.of(HttpStatus.FORBIDDEN))
                .aggregate()
                .join();
        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.headers().get("grpc-status")).isEqualTo("7");
        assertThat(res.headers().get("grpc-message")).isEqualTo("100%25 refused: caf%C3%A9");
        assertThat(res.content().isEmpty()).isTrue();
    }

    @Test
    void anHttpRequestGetsTheLayersOwnAnswer() {
        final AggregatedHttpResponse res = Refusal.of(
                        request("application/json"),
                        Status.Code.PERMISSION_DENIED,
                        "refused",
                        () -> HttpResponse.of(HttpStatus.FORBIDDEN))
                .aggregate()
                .join();
        assertThat(res.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(res.headers().get("grpc-status")).isNull();
    }

    @Test
    void anAbortsHttpStatusBecomesTheStatusGrpcMapsItTo() {
        assertThat(Refusal.grpcStatusOf(503)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Refusal.grpcStatusOf(500)).isEqualTo(Status.Code.INTERNAL);
        assertThat(Refusal.grpcStatusOf(403)).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(Refusal.grpcStatusOf(404)).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(Refusal.grpcStatusOf(418)).isEqualTo(Status.Code.UNKNOWN);
    }
}
