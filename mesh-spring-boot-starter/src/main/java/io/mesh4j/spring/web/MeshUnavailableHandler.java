package io.mesh4j.spring.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import io.mesh4j.client.typed.MeshUnavailableException;

/**
 * Answers 503 Service Unavailable, not 500, when a controller lets through a {@link MeshUnavailableException}: a
 * service it depends on could not be reached, which says nothing of this one's health, and a caller's retry may
 * well succeed. The body is a problem detail (RFC 9457) that names no internal service: the exception's message,
 * with the service, the reason and the attempts, is logged at DEBUG, and the mesh's metrics and traces have the
 * failed call. Last in order: the application's own {@code @ExceptionHandler} or advice comes first.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class MeshUnavailableHandler {

    private static final Logger logger = LoggerFactory.getLogger(MeshUnavailableHandler.class);

    /** Made by the starter's auto-configuration. */
    public MeshUnavailableHandler() {}

    /**
     * The answer to a request whose handling needed a service the mesh gave up on.
     *
     * @param e why the mesh gave up
     * @return 503 with a problem detail
     */
    @ExceptionHandler(MeshUnavailableException.class)
    public ResponseEntity<ProblemDetail> unavailable(MeshUnavailableException e) {
        logger.debug("answering 503: {}", e.getMessage(), e);
        final ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE, "A service this one depends on is unavailable; try again later.");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem);
    }
}
