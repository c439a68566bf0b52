/**
 * The ROUTING layer: which service, which subset of its instances, and which rule of its route config a call
 * follows, decided once per call from the live route config, the typed client's annotations and the request's
 * route override.
 */
@NullMarked
package io.mesh4j.client.routing;

import org.jspecify.annotations.NullMarked;
