/**
 * Workloads that join with a Kubernetes service-account token: the TokenReview call to the API server and what its
 * answer means for the certificate request ({@link io.mesh4j.registry.KubernetesTokenReview} is the rule).
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.kubernetes;

import org.jspecify.annotations.NullMarked;
