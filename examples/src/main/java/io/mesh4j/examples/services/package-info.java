/**
 * Three small services that call each other through the mesh: frontend, orders, inventory.
 */
@NullMarked
package io.mesh4j.examples.services;

import org.jspecify.annotations.NullMarked;
