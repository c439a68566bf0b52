/**
 * The demo: a registry, three services, traffic, and tables that show what the mesh does with it.
 */
@NullMarked
package io.mesh4j.examples.demo;

import org.jspecify.annotations.NullMarked;
