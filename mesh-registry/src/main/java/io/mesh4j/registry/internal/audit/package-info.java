/**
 * The registry's audit log: every admin action, who asked for it, from where, and what came of it.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.audit;

import org.jspecify.annotations.NullMarked;
