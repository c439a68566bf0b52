package io.mesh4j.core.annotation;

import java.lang.annotation.Annotation;

import io.mesh4j.core.routing.RouteRule;

/**
 * Turns one policy annotation into the part of a route rule it declares.
 *
 * @param <A> the annotation
 */
@FunctionalInterface
@UnstableApi
public interface RuleFactory<A extends Annotation> {

    /**
     * Sets on {@code rule} what {@code annotation} declares.
     *
     * @param annotation the annotation found on a method or its class
     * @param rule the rule being built for the method, to set parts on
     * @throws IllegalArgumentException saying, in the annotation's own terms, what is wrong with its values
     */
    void apply(A annotation, RouteRule.Builder rule);
}
