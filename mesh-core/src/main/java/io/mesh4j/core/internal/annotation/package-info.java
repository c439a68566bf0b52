/**
 * How policy annotations become route rules, through the factory each annotation names.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.annotation;

import org.jspecify.annotations.NullMarked;
