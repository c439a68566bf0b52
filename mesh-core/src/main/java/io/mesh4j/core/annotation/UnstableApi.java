package io.mesh4j.core.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks API that may still change in a later release, unlike the rest of the API packages: typically the
 * extension points (layers, stack parameters, balancers, policy-annotation factories) that the coming per-call /
 * per-attempt stack and the new protocols will reshape. Use it, but expect to adjust your code when you upgrade.
 * What is in an {@code internal} package is not API at all.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({
    ElementType.TYPE,
    ElementType.METHOD,
    ElementType.CONSTRUCTOR,
    ElementType.FIELD,
    ElementType.ANNOTATION_TYPE,
    ElementType.PACKAGE
})
public @interface UnstableApi {}
