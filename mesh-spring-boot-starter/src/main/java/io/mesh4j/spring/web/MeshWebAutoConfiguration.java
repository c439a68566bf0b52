package io.mesh4j.spring.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ProblemDetail;

/**
 * In a web application (Spring MVC or WebFlux), a call the mesh gave up on answers 503, not 500:
 * {@link MeshUnavailableHandler}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
public class MeshWebAutoConfiguration {

    /** Made by Spring Boot. */
    public MeshWebAutoConfiguration() {}

    /**
     * Answers 503 for a {@code MeshUnavailableException} no handler of the application took.
     *
     * @return the advice
     */
    @Bean
    @ConditionalOnMissingBean
    public MeshUnavailableHandler meshUnavailableHandler() {
        return new MeshUnavailableHandler();
    }
}
