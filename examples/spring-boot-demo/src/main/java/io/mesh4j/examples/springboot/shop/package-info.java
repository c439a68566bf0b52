/**
 * {@code shop}: a Spring MVC service that calls {@code catalog} through an injected {@code @ServiceClient} interface.
 */
@NullMarked
package io.mesh4j.examples.springboot.shop;

import org.jspecify.annotations.NullMarked;
