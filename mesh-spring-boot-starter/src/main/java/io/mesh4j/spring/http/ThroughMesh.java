package io.mesh4j.spring.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks a {@code RestClient.Builder} or {@code WebClient.Builder} bean whose clients call
 * {@code http://<service>/path} through the mesh, as Spring Cloud's {@code @LoadBalanced} marks one for its load
 * balancer: before the builder is injected anywhere, the starter gives a {@code RestClient.Builder} a
 * {@link MeshClientHttpRequestFactory}, and a {@code WebClient.Builder} a {@link MeshClientHttpConnector} (and a
 * filter that lets a {@link io.mesh4j.client.typed.MeshUnavailableException} through as itself). It is a qualifier
 * too, so that the builder is injected where asked for by it.
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
 *
 * @Bean
 * @ThroughMesh
 * WebClient.Builder meshWebClient() {
 *     return WebClient.builder();
 * }
 *
 * Mono<String> order = webClientBuilder.build().get().uri("http://orders/orders/{id}", 7).retrieve()
 *         .bodyToMono(String.class);
 * }</pre>
 *
 * <p>Builders without it are left alone, so the application's calls outside the mesh go on as before.
 */
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface ThroughMesh {}
