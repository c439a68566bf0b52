/**
 * Policy declared beside the code: {@link Timeout}, {@link Retry}, {@link Hedge} on typed clients' methods,
 * {@link Timeout}, {@link RateLimit}, {@link ConcurrencyLimit} on served routes. Each annotation names, through
 * {@link PolicyAnnotation}, the {@link RuleFactory} that turns it into a part of a route rule, as Armeria's
 * {@code @DecoratorFactory} does for decorators; {@link AnnotatedRules} reads them. The registry's route config
 * overrides what the annotations declare, part by part, and the annotations override the defaults.
 */
@NullMarked
package io.mesh4j.core.annotation;

import org.jspecify.annotations.NullMarked;

import io.mesh4j.core.internal.annotation.AnnotatedRules;
