/**
 * The policies in force in this process: the route configs the registry pushes, read per request by the
 * layers, and the policies the code declares with annotations, which the pushed ones override.
 */
@NullMarked
package io.mesh4j.core.internal.policy;

import org.jspecify.annotations.NullMarked;
