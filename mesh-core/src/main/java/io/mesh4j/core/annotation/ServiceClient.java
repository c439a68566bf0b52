package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface as a typed client of a mesh service: its methods carry Armeria's mapping annotations
 * ({@code @Get("/orders/{id}")}, {@code @Param}) and the mesh's policy annotations ({@link Timeout},
 * {@link Retry}, {@link Hedge}); {@code meshClient.client(OrdersClient.class)} makes it.
 *
 * <pre>{@code
 * @ServiceClient("orders")
 * interface OrdersClient {
 *     @Get("/orders/{id}")
 *     @Timeout(500)
 *     @Retry(attempts = 3)
 *     CompletableFuture<Order> order(@Param("id") String id);
 *
 *     @Post("/orders")
 *     Order place(NewOrder order);  // the one parameter without an annotation is the JSON body
 * }
 * }</pre>
 *
 * <p>When the mesh gives up on a call (no endpoint, every breaker open, the deadline passed, no instance reachable,
 * or a 5xx answer once retries are spent), a method throws {@code MeshUnavailableException} or
 * {@code MeshCallException}, unless it has a fallback: a default method of the interface that {@link Fallback}
 * names, or the same method of the {@link #fallback()} class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ServiceClient {

    /**
     * Returns the service the interface calls, such as {@code "orders"}.
     *
     * @return a service name, a DNS-1123 label
     */
    String value();

    /**
     * Returns the class whose methods answer in place of the mesh when it gives up on a call, as Spring Cloud
     * OpenFeign's {@code fallback}: it implements the interface. With Spring, the application's bean of that class
     * is used (one is made if there is none); without, {@code meshClient.client(OrdersClient.class)} makes one with
     * its constructor without parameters, or {@code meshClient.client(OrdersClient.class, fallback)} takes one. A
     * method's own {@link Fallback} comes first.
     *
     * @return a class implementing the interface; {@code void.class}, the default, for none
     */
    Class<?> fallback() default void.class;
}
