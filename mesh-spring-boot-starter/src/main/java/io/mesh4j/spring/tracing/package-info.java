/**
 * The mesh's spans in the application's own traces, when it traces with Micrometer Tracing over OpenTelemetry.
 */
@NullMarked
package io.mesh4j.spring.tracing;

import org.jspecify.annotations.NullMarked;
