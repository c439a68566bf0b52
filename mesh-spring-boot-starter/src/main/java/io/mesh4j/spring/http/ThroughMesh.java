package io.mesh4j.spring.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks a {@code RestClient.Builder} bean whose clients call {@code http://<service>/path} through the mesh, as
 * Spring Cloud's {@code @LoadBalanced} marks one for its load balancer: the starter gives the builder a
 * {@link MeshClientHttpRequestFactory} before it is injected anywhere. It is a qualifier too, so that the builder
 * is injected where asked for by it.
 *
 * <pre>{@code
 * @Bean
 * @ThroughMesh
 * RestClient.Builder meshRestClient() {
 *     return RestClient.builder();
 * }
 *
 * // elsewhere
 * String order = restClientBuilder.build().get().uri("http://orders/orders/{id}", 7).retrieve().body(String.class);
 * }</pre>
 *
 * <p>Builders without it are left alone, so the application's calls outside the mesh go on as before.
 */
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface ThroughMesh {}
