/**
 * The ROUTING layer: which service, which subset of its instances, and which rule of its route config a call
 * follows, decided once per call from the live route config, the typed client's annotations and the request's
 * route override.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.routing;

import org.jspecify.annotations.NullMarked;
