package io.mesh4j.core.classify;

import static io.mesh4j.core.classify.ResponseClass.FAILURE;
import static io.mesh4j.core.classify.ResponseClass.RETRYABLE_FAILURE;
import static io.mesh4j.core.classify.ResponseClass.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;

class ResponseClassifierTest {

    private final ResponseClassifier classifier = ResponseClassifier.ofDefault();

    @Test
    void answersBelow500AreSuccesses() {
        assertThat(classifier.classify(HttpMethod.POST, HttpStatus.OK, null)).isEqualTo(SUCCESS);
        assertThat(classifier.classify(HttpMethod.POST, HttpStatus.NOT_FOUND, null))
                .isEqualTo(SUCCESS);
    }

    @Test
    void a503AndARequestThatNeverLeftAreRetryableForEveryMethod() {
        assertThat(classifier.classify(HttpMethod.POST, HttpStatus.SERVICE_UNAVAILABLE, null))
                .isEqualTo(RETRYABLE_FAILURE);
        assertThat(classifier.classify(
                        HttpMethod.POST, null, UnprocessedRequestException.of(new ConnectException("refused"))))
                .isEqualTo(RETRYABLE_FAILURE);
    }

    @Test
    void other5xxAndTimeoutsAreRetryableOnlyForIdempotentMethods() {
        assertThat(classifier.classify(HttpMethod.GET, HttpStatus.INTERNAL_SERVER_ERROR, null))
                .isEqualTo(RETRYABLE_FAILURE);
        assertThat(classifier.classify(HttpMethod.PUT, HttpStatus.BAD_GATEWAY, null))
                .isEqualTo(RETRYABLE_FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, HttpStatus.INTERNAL_SERVER_ERROR, null))
                .isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.PATCH, null, ResponseTimeoutException.get()))
                .isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.OPTIONS, null, ResponseTimeoutException.get()))
                .isEqualTo(RETRYABLE_FAILURE);
    }

    @Test
    void aGrpcStatusInTheHeadersOrTrailersDecidesOverThe200AroundIt() {
        // Trailers-only: the status is in the headers.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("14", null))).isEqualTo(RETRYABLE_FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("7", null))).isEqualTo(SUCCESS);
        // A streamed answer: the status is in the trailers.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, "0"))).isEqualTo(SUCCESS);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, "13"))).isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, "4"))).isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, "8"))).isEqualTo(FAILURE);
        // What no gRPC speaks is UNKNOWN, a failure.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, "x"))).isEqualTo(FAILURE);
        // No gRPC status at all: the HTTP status decides, as before.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog(null, null))).isEqualTo(SUCCESS);
    }

    private static RequestLog grpcLog(String inHeaders, String inTrailers) {
        final ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.POST, "/pkg.Svc/Call"));
        final RequestLogBuilder log = ctx.logBuilder();
        log.endRequest();
        log.startResponse();
        final var headers = ResponseHeaders.builder(HttpStatus.OK)
                .contentType(com.linecorp.armeria.common.MediaType.parse("application/grpc"));
        if (inHeaders != null) {
            headers.set("grpc-status", inHeaders);
        }
        log.responseHeaders(headers.build());
        if (inTrailers != null) {
            log.responseTrailers(HttpHeaders.of("grpc-status", inTrailers));
        }
        log.endResponse();
        return ctx.log().ensureComplete();
    }
}
