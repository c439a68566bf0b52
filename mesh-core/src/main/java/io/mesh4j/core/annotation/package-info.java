/**
 * Policy declared beside the code: {@link Timeout}, {@link Retry}, {@link Hedge} on typed clients' methods,
 * {@link Timeout}, {@link RateLimit}, {@link ConcurrencyLimit} on served routes, and {@link ServiceClient} and
 * {@link MeshService} to mark what the mesh calls and serves. Each policy annotation names, through
 * {@link PolicyAnnotation}, the {@link RuleFactory} that turns it into a part of a route rule, as Armeria's
 * {@code @DecoratorFactory} does for decorators; the mesh reads them once per method. The registry's route config
 * overrides what the annotations declare, part by part, and the annotations override the defaults.
 */
@NullMarked
package io.mesh4j.core.annotation;

import org.jspecify.annotations.NullMarked;
