package io.mesh4j.core.authz;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Only these services may call the annotated route (a method of an annotated service), or every route of the
 * annotated class that has no annotation of its own. Any other caller gets 403. The rules of a policy pushed to
 * the registry's {@code /v1/policies/{service}} win over the annotations for the requests they cover (every request,
 * for a policy without a {@code default}); the annotations win over the service's default and the mesh-wide default
 * ({@link DefaultPolicy}), which decide a route with neither.
 *
 * <pre>{@code
 * @Get("/orders/{id}")
 * @AllowCallers("frontend")
 * public Order order(@Param String id) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface AllowCallers {

    /**
     * Returns the service names of the callers allowed, such as {@code "frontend"}; each a valid service name,
     * checked when the server is built ({@code MeshServerBuilder.build()} fails naming the class or method and the
     * name).
     *
     * @return the service names
     */
    String[] value();
}
