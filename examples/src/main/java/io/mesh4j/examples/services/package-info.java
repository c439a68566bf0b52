/**
 * Three small services that call each other through the mesh: frontend, orders (over HTTP), inventory (over gRPC,
 * its messages and stubs generated from {@code src/main/protobuf/inventory.proto}).
 */
@NullMarked
package io.mesh4j.examples.services;

import org.jspecify.annotations.NullMarked;
