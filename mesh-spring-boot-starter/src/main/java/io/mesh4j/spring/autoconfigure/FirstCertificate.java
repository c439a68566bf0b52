package io.mesh4j.spring.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.RegistryException;

/**
 * Gets the workload's first certificate while the application starts, before any mesh bean uses the identity:
 * the first calls (and the registry watches that typed clients start as they are made) then present one instead
 * of being refused, and a join token the registry refuses stops the start with a failure analysis rather than
 * failing every call later.
 */
final class FirstCertificate {

    /** How long the start waits for a registry that does not answer, before going on without a certificate. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private static final Logger logger = LoggerFactory.getLogger(FirstCertificate.class);

    private FirstCertificate() {}

    /**
     * @throws MeshConfigurationException if the registry refused the join token
     */
    static void await(WorkloadIdentity identity, MeshSettings settings) {
        try {
            identity.start().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The identity keeps trying; until it succeeds, mesh calls fail and a mesh server does not listen.
            logger.warn(
                    "{}: no certificate from the registry at {} after {} s; starting anyway, and getting one "
                            + "in the background",
                    identity.id(),
                    settings.registries(),
                    WAIT.toSeconds());
        } catch (ExecutionException e) {
            identity.close();
            final String service = settings.service().value();
            if (e.getCause() instanceof RegistryException refused
                    && settings.properties().getJoinTokenFile() == null
                    && settings.properties().getServiceAccountTokenFile() != null) {
                throw new MeshConfigurationException(
                        "mesh.service-account-token-file",
                        "the registry refused the service-account token in "
                                + settings.properties().getServiceAccountTokenFile() + ": " + refused.getMessage(),
                        "Mount the pod's projected service-account token with audience mesh4j (a serviceAccountToken "
                                + "volume) at mesh.service-account-token-file, and run the pod as a service account "
                                + "the registry admits (--kubernetes-namespaces, --kubernetes-account).");
            }
            if (e.getCause() instanceof RegistryException refused) {
                throw new MeshConfigurationException(
                        "mesh.join-token-file",
                        "the registry refused the token in "
                                + settings.properties().getJoinTokenFile() + ": "
                                + refused.getMessage(),
                        "Ask the operator for a new join token for " + service + " (meshctl token create --service "
                                + service + " > " + service
                                + ".token) and set mesh.join-token-file to its file. A token "
                                + "is used up after --uses certificates (one per instance started), and expires.");
            }
            if (e.getCause() instanceof IllegalStateException unreadable
                    && settings.properties().getJoinTokenFile() == null
                    && settings.properties().getServiceAccountTokenFile() != null) {
                throw new MeshConfigurationException(
                        "mesh.service-account-token-file",
                        String.valueOf(unreadable.getMessage()),
                        "Mount the pod's projected service-account token with audience mesh4j (a serviceAccountToken "
                                + "volume) at the path mesh.service-account-token-file names.");
            }
            if (e.getCause() instanceof IllegalStateException noToken
                    && settings.properties().getJoinTokenFile() == null) {
                // mesh.state-dir without mesh.join-token-file, and no certificate there that will do.
                throw new MeshConfigurationException(
                        "mesh.join-token-file",
                        String.valueOf(noToken.getMessage()),
                        "Set mesh.join-token-file to a join token for " + service + " (meshctl token create --service "
                                + service + " > " + service + ".token): mesh.state-dir holds no certificate that is "
                                + "still valid, as at a first start or after a long stop.");
            }
            throw new IllegalStateException(identity.id() + " could not get its first certificate", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            identity.close();
            throw new IllegalStateException("interrupted while getting the first certificate", e);
        }
    }
}
