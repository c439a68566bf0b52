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
}
