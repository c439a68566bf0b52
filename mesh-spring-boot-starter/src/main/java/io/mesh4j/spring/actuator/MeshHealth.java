package io.mesh4j.spring.actuator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The {@code mesh} health, computed the same way on every Spring Boot line: DOWN only when the application cannot
 * take part in the mesh, that is when the workload's certificate is missing or expired (no mTLS peer would accept
 * it) or when the application has a mesh server and it is not serving; UP otherwise. The details give the
 * certificate's expiry, the registry's address and whether it answered, whether the instance is serving and
 * registered, and the endpoints known per called service.
 *
 * <p>A registry that does not answer is not DOWN but a {@code degraded} detail, saying since when: calls keep
 * flowing to the last-known endpoints, the server keeps serving, and the certificate stays valid until it expires.
 * Reporting DOWN would have load balancers and orchestrators that read this health take every application of the
 * mesh out at once because of one registry outage, as a Consul outage does not take Spring Cloud applications out.
 * An expiring certificate still turns it DOWN in time: renewal needs the registry.
 *
 * <p>Spring Boot 4 moved the health API to other packages ({@code org.springframework.boot.health.contributor}),
 * so each line's {@code MeshHealthIndicator} is a thin adapter of this class to its own API.
 */
final class MeshHealth {

    /** One reading: up or down, and the details in the order they are shown. */
    record Reading(boolean up, Map<String, Object> details) {}

    private final MeshView view;
    private final RegistryOutage outage = new RegistryOutage();

    MeshHealth(MeshView view) {
        this.view = view;
    }

    Reading read() {
        final @Nullable Map<String, Object> server = view.server();
        final boolean serving = server == null || Boolean.TRUE.equals(server.get("serving"));
        final Map<String, Object> registry = view.registry();
        final boolean reachable = !Boolean.FALSE.equals(registry.get("reachable"));
        final @Nullable Instant unreachableSince =
                outage.observe(reachable, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        if (unreachableSince != null) {
            registry.put("unreachableSince", unreachableSince.toString());
        }
        final Map<String, Object> identity = view.identity();
        final Map<String, Integer> endpoints = view.endpointCounts();
        final Map<String, Object> details = new LinkedHashMap<>();
        details.put("identity", identity);
        details.put("registry", registry);
        if (server != null) {
            details.put("serving", serving);
            details.put("registered", Boolean.TRUE.equals(server.get("registered")));
        }
        details.put("endpoints", endpoints);
        final @Nullable String lastKnownGood = view.lastKnownGood();
        if (lastKnownGood != null) {
            // Restarted while the registry was away: what it serves and calls with comes from mesh.state-dir.
            details.put("lastKnownGood", lastKnownGood);
        }
        if (unreachableSince != null) {
            details.put(
                    "degraded",
                    degraded(unreachableSince, endpoints, server != null && serving, identity)
                            + (lastKnownGood != null ? "; " + lastKnownGood : ""));
        }
        return new Reading(view.isCertificateValid() && serving, details);
    }

    /** What still works while the registry is away, and until when, in one line for whoever reads the health. */
    private static String degraded(
            Instant since, Map<String, Integer> endpoints, boolean serving, Map<String, Object> identity) {
        final StringBuilder text = new StringBuilder("registry unreachable since ").append(since);
        if (!endpoints.isEmpty()) {
            text.append(", serving from last-known endpoints ").append(endpoints);
        }
        if (serving) {
            text.append(", this instance still serving");
        }
        final @Nullable Object expiresAt = identity.get("certificateExpiresAt");
        if (Boolean.TRUE.equals(identity.get("certificateValid")) && expiresAt != null) {
            // Renewal needs the registry: this is when the health turns DOWN unless it answers before.
            text.append("; the certificate cannot be renewed and expires at ").append(expiresAt);
        }
        return text.toString();
    }
}
