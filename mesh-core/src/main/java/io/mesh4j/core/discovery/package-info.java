/**
 * The discovery model: service names, instance ids, instances and what an instance registers with.
 */
@NullMarked
package io.mesh4j.core.discovery;

import org.jspecify.annotations.NullMarked;
