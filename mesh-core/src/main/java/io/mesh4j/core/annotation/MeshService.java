package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an Armeria annotated service (a class with {@code @Get}, {@code @Post}... methods) as routes of a mesh
 * service: the Spring Boot starter serves every such bean through the application's mesh server.
 *
 * <pre>{@code
 * @MeshService
 * public class OrdersApi {
 *     @Get("/orders/{id}")
 *     public Order order(@Param String id) { ... }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MeshService {

    /**
     * The service the routes belong to; the application's own ({@code mesh.service}) when empty, the only one
     * an application serves today.
     *
     * @return the service name, or empty for the application's own
     */
    String value() default "";
}
