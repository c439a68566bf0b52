/**
 * Spring's {@code RestClient} and {@code WebClient} through the mesh: {@code http://<service>/path} is called by service name, with the
 * mesh's discovery, balancing, retries, timeouts, breakers, mTLS and spans.
 */
@NullMarked
package io.mesh4j.spring.http;

import org.jspecify.annotations.NullMarked;
