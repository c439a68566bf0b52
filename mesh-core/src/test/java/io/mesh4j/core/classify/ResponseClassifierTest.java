package io.mesh4j.core.classify;

import static io.mesh4j.core.classify.ResponseClass.FAILURE;
import static io.mesh4j.core.classify.ResponseClass.RETRYABLE_FAILURE;
import static io.mesh4j.core.classify.ResponseClass.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogBuilder;

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
    void aGrpcAnswerIsJudgedByItsGrpcStatusInTrailersOrInATrailersOnlyAnswer() {
        // In the trailers of an answer that sent messages.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("0", false))).isEqualTo(SUCCESS);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("14", false))).isEqualTo(RETRYABLE_FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("13", false))).isEqualTo(FAILURE);
        // In the headers of a trailers-only answer.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("4", true))).isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("14", true))).isEqualTo(RETRYABLE_FAILURE);
        // The gRPC 4xx: the service answered as it meant to.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("12", true))).isEqualTo(SUCCESS);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("5", false))).isEqualTo(SUCCESS);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("8", false))).isEqualTo(SUCCESS);
        // A status no gRPC speaks is UNKNOWN, as grpc-java reads it: a failure.
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("x", false))).isEqualTo(FAILURE);
        assertThat(classifier.classify(HttpMethod.POST, grpcLog("99", true))).isEqualTo(FAILURE);
    }

    @Test
    void anHttpErrorInFrontOfAGrpcServerIsJudgedByItsHttpStatus() {
        final RequestLogBuilder log = newLog();
        log.responseHeaders(ResponseHeaders.of(HttpStatus.SERVICE_UNAVAILABLE));
        log.endResponse();
        assertThat(classifier.classify(HttpMethod.POST, (RequestLog) log)).isEqualTo(RETRYABLE_FAILURE);
    }

    private static RequestLog grpcLog(String status, boolean trailersOnly) {
        final RequestLogBuilder log = newLog();
        if (trailersOnly) {
            log.responseHeaders(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.parse("application/grpc"))
                    .add("grpc-status", status)
                    .build());
        } else {
            log.responseHeaders(ResponseHeaders.of(HttpStatus.OK));
            log.responseTrailers(HttpHeaders.of("grpc-status", status));
        }
        log.endResponse();
        return (RequestLog) log;
    }

    private static RequestLogBuilder newLog() {
        final ClientRequestContext ctx =
                ClientRequestContext.of(HttpRequest.of(HttpMethod.POST, "/grpc.testing.TestService/UnaryCall"));
        final RequestLogBuilder log = ctx.logBuilder();
        log.endRequest();
        log.startResponse();
        return log;
    }
}
