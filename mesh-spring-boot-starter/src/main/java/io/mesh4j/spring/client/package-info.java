/**
 * Typed mesh clients as beans: each interface annotated with {@link io.mesh4j.core.annotation.ServiceClient} in the
 * application's packages, or in those {@link io.mesh4j.spring.client.EnableServiceClients} names, is injectable.
 */
@NullMarked
package io.mesh4j.spring.client;

import org.jspecify.annotations.NullMarked;
