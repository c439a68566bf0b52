package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.internal.registry.ErrorCode;

/**
 * {@code GET /readyz}: whether this registry can do every one of its jobs now, as a load balancer or a Kubernetes
 * readiness probe asks. Each check says why it cannot, or {@code null}: a replica without the key of the root that
 * signs now (it cannot issue or renew certificates), one that cannot reach etcd (it refuses every change), a store
 * that failed. Not ready is a 503 naming every reason; the registry still serves reads and watches then, so this is
 * not its liveness ({@code /healthz}): restarting it would not help, and a replica without the key would not start.
 */
public final class Readiness {

    static final String PATH = "/readyz";

    private static final byte[] READY = "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8);

    private final List<Supplier<@Nullable String>> checks = new ArrayList<>();

    /** Adds a check: why the registry cannot do one of its jobs now, or {@code null} while it can. */
    public Readiness check(Supplier<@Nullable String> whyNot) {
        checks.add(requireNonNull(whyNot, "whyNot"));
        return this;
    }

    /** Why the registry is not ready now, each reason once; empty while it is. */
    public List<String> reasons() {
        final List<String> reasons = new ArrayList<>();
        for (Supplier<@Nullable String> check : checks) {
            final @Nullable String why = check.get();
            if (why != null && !reasons.contains(why)) {
                reasons.add(why);
            }
        }
        return reasons;
    }

    HttpService service() {
        return (ctx, req) -> {
            final List<String> reasons = reasons();
            return reasons.isEmpty()
                    ? JsonResponses.ok(READY)
                    : JsonResponses.error(ErrorCode.UNAVAILABLE, "not ready: " + String.join("; ", reasons));
        };
    }
}
