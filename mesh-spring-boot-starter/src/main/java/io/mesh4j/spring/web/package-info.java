/**
 * The mesh in a Spring web application's answers: a call the mesh gave up on answers 503 Service Unavailable.
 */
@NullMarked
package io.mesh4j.spring.web;

import org.jspecify.annotations.NullMarked;
