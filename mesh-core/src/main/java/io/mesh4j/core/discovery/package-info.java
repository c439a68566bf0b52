/**
 * The discovery model: service names, instance ids, instances and what an instance registers with. Start from
 * {@link io.mesh4j.core.discovery.ServiceName} and {@link io.mesh4j.core.discovery.Registration}.
 */
@NullMarked
package io.mesh4j.core.discovery;

import org.jspecify.annotations.NullMarked;
