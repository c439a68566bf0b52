package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an annotation as a mesh policy, and names the factory that turns it into a part of a route rule. A team
 * can add its own policy annotations this way, such as {@code @Critical} standing for a timeout and a retry.
 *
 * <pre>{@code
 * @Retention(RetentionPolicy.RUNTIME)
 * @Target({ElementType.METHOD, ElementType.TYPE})
 * @PolicyAnnotation(Critical.Factory.class)
 * public @interface Critical {
 *     final class Factory implements RuleFactory<Critical> {
 *         public void apply(Critical critical, RouteRule.Builder rule) {
 *             rule.timeout(Duration.ofMillis(300));
 *         }
 *     }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.ANNOTATION_TYPE)
@UnstableApi
public @interface PolicyAnnotation {

    /**
     * Returns the factory that turns the marked annotation into a part of a route rule.
     *
     * @return a class with a public constructor without arguments
     */
    Class<? extends RuleFactory<?>> value();
}
