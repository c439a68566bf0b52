/**
 * Mesh-wide quotas in a serving instance: the shares it leases from the registry in the background, and the local
 * token buckets, sized by them, that the RATE_LIMIT layer asks per request.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.quota;

import org.jspecify.annotations.NullMarked;
