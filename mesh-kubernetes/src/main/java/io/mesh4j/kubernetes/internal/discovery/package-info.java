/**
 * The endpoint group fed by a list and watch of EndpointSlices, and the {@code kubernetes:} discovery scheme.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.kubernetes.internal.discovery;

import org.jspecify.annotations.NullMarked;
