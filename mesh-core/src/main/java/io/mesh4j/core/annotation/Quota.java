package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A mesh-wide quota on a served route: at most {@link #requests()} per {@link #per()} across every instance of the
 * service together (from one calling service when {@link #caller()} is set), each instance enforcing the share it
 * leases from the registry; more are answered 429 with {@code Retry-After}. On a method of an annotated service
 * (or a gRPC implementation), or on its class for every method without one of its own: the class's quota is one
 * quota shared by all those methods. A quota of the same {@link #name()} in the registry's route config replaces
 * it, size and scope, while it is there; the route config also says what an annotation cannot (a quota over
 * several routes, one per rule of the config).
 *
 * <pre>{@code
 * @Post("/charge")
 * @Quota(requests = 100, per = "1s", caller = "frontend")
 * public Receipt charge(Charge charge) { ... }
 * }</pre>
 *
 * <p>A wrong value fails the server's build, naming the method and the field.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Quota {

    /**
     * Returns how many requests per {@link #per()} all the instances together accept.
     *
     * @return {@code > 0}, at most 1,000,000,000 and at most 1,000,000 per second
     */
    long requests();

    /**
     * Returns the period of {@link #requests()}.
     *
     * @return whole seconds or minutes, such as {@code "1s"} (the default), {@code "30s"} or {@code "1m"}; at
     *     least one second, at most a day
     */
    String per() default "1s";

    /**
     * Returns the calling service whose requests count.
     *
     * @return a service name; empty (the default) for every caller
     */
    String caller() default "";

    /**
     * Returns the quota's name, which leases, metrics, {@code meshctl quotas} and a route config's quota that
     * replaces it use.
     *
     * @return a DNS-1123 label; empty (the default) for one derived from the class and method (and the caller),
     *     such as {@code payments-charge-from-frontend}, or the class alone on a class
     */
    String name() default "";
}
