package io.mesh4j.core.classify;

import static io.mesh4j.core.classify.ResponseClass.FAILURE;
import static io.mesh4j.core.classify.ResponseClass.RETRYABLE_FAILURE;
import static io.mesh4j.core.classify.ResponseClass.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;

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
}
