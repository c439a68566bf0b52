/**
 * The values the outbound layers read per request (timeouts, retries, breakers), per service, replaceable while
 * running. Start from {@link io.mesh4j.client.policy.ClientPolicy}; a client's live ones are its
 * {@link io.mesh4j.client.policy.ClientPolicies}.
 */
@NullMarked
package io.mesh4j.client.policy;

import org.jspecify.annotations.NullMarked;
