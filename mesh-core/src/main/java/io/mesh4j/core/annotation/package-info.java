/**
 * Policy declared beside the code: {@link Timeout}, {@link Retry}, {@link Hedge} on typed clients' methods,
 * {@link Timeout}, {@link RateLimit}, {@link ConcurrencyLimit} and the mesh-wide {@link Quota} on served routes,
 * and {@link ServiceClient} and {@link MeshService} to mark what the mesh calls and serves. Each policy annotation
 * names, through {@link PolicyAnnotation}, the {@link RuleFactory} that turns it into a part of a route rule, as
 * Armeria's {@code @DecoratorFactory} does for decorators; the mesh reads them once per method. The registry's route
 * config overrides what the annotations declare, part by part, and the annotations override the defaults. A
 * {@link Quota} is a quota of the route config rather than a part of a rule: one of the config's of the same name
 * replaces it.
 */
@NullMarked
package io.mesh4j.core.annotation;

import org.jspecify.annotations.NullMarked;
