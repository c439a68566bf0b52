package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the default method of a {@link ServiceClient} interface that answers in place of the mesh when it gives
 * up on a call of this method: no endpoint, every breaker open, the deadline passed, no instance reachable, or a
 * 5xx answer once retries are spent. Not taken for a 4xx answer (the request is at fault, and would be again) or an
 * answer that cannot be read. The fallback takes the method's parameters, optionally followed by a
 * {@code Throwable}: why the mesh gave up.
 *
 * <pre>{@code
 * @ServiceClient("prices")
 * interface PricesClient {
 *     @Get("/prices/{sku}")
 *     @Fallback("listPrice")
 *     Price price(@Param("sku") String sku);
 *
 *     default Price listPrice(String sku, Throwable why) {
 *         return Price.list(sku);
 *     }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Fallback {

    /**
     * Returns the name of the default method that answers instead.
     *
     * @return a default method of the same interface, taking the same parameters (and optionally a
     *     {@code Throwable} after them) and returning the same type
     */
    String value();
}
