/**
 * The registry's dashboard: its page and assets from the jar, and the live snapshots it draws over Server-Sent
 * Events. Not API.
 */
@NullMarked
package io.mesh4j.registry.internal.dashboard;

import org.jspecify.annotations.NullMarked;
