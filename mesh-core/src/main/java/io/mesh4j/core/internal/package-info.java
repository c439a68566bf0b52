/**
 * Plumbing that more than one mesh4j module needs and that is not API: it may change in any release.
 */
@NullMarked
package io.mesh4j.core.internal;

import org.jspecify.annotations.NullMarked;
