package io.mesh4j.registry.internal.check;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.api.RouteWarnings;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.metrics.MetricsApi;
import io.mesh4j.registry.internal.metrics.ReportingMember;
import io.mesh4j.registry.internal.store.HeartbeatAge;

/**
 * What the registry can tell is wrong with the mesh it runs: roots and workload certificates near their expiry,
 * instances whose heartbeats are late, route configs that split to a subset no instance is in, policies that refuse
 * every caller, services with no policy. Served as {@code GET /v1/check}, for {@code meshctl check}, which adds what
 * only the operator's side can see (is the registry reachable, is its clock with ours).
 */
public final class MeshCheck {

    public static final String PATH = "/v1/check";

    /** A root this close to its end is a problem: a CA rotation takes two leaf lifetimes. */
    static final Duration ROOT_WARNING = Duration.ofDays(30);
    /** A workload certificate this close to its end is a problem: a healthy member renews at two thirds. */
    static final Duration LEAF_WARNING = Duration.ofHours(1);

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One problem and what to do about it. */
    public record Finding(String check, String problem, String fix) {}

    private final Clock clock;
    private final InstanceTable table;
    private final DocumentStore<AccessPolicy> policies;
    private final Supplier<DefaultPolicy> meshDefault;
    private final DocumentStore<RouteConfig> routes;
    private final MetricsApi metrics;
    private final Supplier<List<X509Certificate>> roots;

    public MeshCheck(
            Clock clock,
            InstanceTable table,
            DocumentStore<AccessPolicy> policies,
            Supplier<DefaultPolicy> meshDefault,
            DocumentStore<RouteConfig> routes,
            MetricsApi metrics,
            Supplier<List<X509Certificate>> roots) {
        this.clock = requireNonNull(clock, "clock");
        this.table = requireNonNull(table, "table");
        this.policies = requireNonNull(policies, "policies");
        this.meshDefault = requireNonNull(meshDefault, "meshDefault");
        this.routes = requireNonNull(routes, "routes");
        this.metrics = requireNonNull(metrics, "metrics");
        this.roots = requireNonNull(roots, "roots");
    }

    /** {@code GET /v1/check}: {@code {"problems": [{"check", "problem", "fix"}]}}, empty when all is well. */
    public HttpService service() {
        return (ctx, req) -> HttpResponse.of(findings().thenApply(findings -> {
            final ObjectNode root = MAPPER.createObjectNode();
            root.put("checkedAt", clock.instant().toString());
            final ArrayNode problems = root.putArray("problems");
            for (Finding finding : findings) {
                problems.addObject()
                        .put("check", finding.check())
                        .put("problem", finding.problem())
                        .put("fix", finding.fix());
            }
            try {
                return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, MAPPER.writeValueAsBytes(root));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    /**
     * Every problem found now. Over etcd, the heartbeats' ages are read from etcd's leases, so this completes once
     * etcd has answered; if it does not, that is one more problem found.
     */
    public CompletableFuture<List<Finding>> findings() {
        return table.heartbeatAges().handle((ages, cause) -> findings(ages, cause));
    }

    private List<Finding> findings(@Nullable List<HeartbeatAge> ages, @Nullable Throwable cause) {
        final Instant now = clock.instant();
        final List<Finding> findings = new ArrayList<>();
        for (X509Certificate root : roots.get()) {
            final Instant end = root.getNotAfter().toInstant();
            if (end.isBefore(now.plus(ROOT_WARNING))) {
                findings.add(new Finding(
                        "ca-expiry",
                        "the CA root " + root.getSubjectX500Principal().getName() + " "
                                + (end.isBefore(now) ? "expired at " : "expires at ") + end,
                        "start a CA rotation now: meshctl ca rotate (the new root signs one leaf lifetime later)"));
            }
        }
        for (ReportingMember member : metrics.reportingMembers()) {
            final @Nullable Instant end = member.certificateExpiresAt();
            if (end != null && end.isBefore(now.plus(LEAF_WARNING))) {
                findings.add(new Finding(
                        "workload-certificate",
                        "a member of " + member.service() + " (reporter " + member.reporter() + ") has a workload "
                                + "certificate that " + (end.isBefore(now) ? "expired at " : "expires at ") + end
                                + ": it has not renewed at two thirds of its life",
                        "look at that member's log for renewal errors; check it can reach the registry, and that "
                                + "its identity was not revoked"));
            }
        }
        if (cause != null) {
            findings.add(new Finding(
                    "stale-heartbeat",
                    "the instances' TTLs could not be read from the store (" + peel(cause) + "), so late "
                            + "heartbeats were not checked",
                    "check that etcd has a quorum (etcdctl endpoint health), then run the check again"));
        }
        for (HeartbeatAge age : ages != null ? ages : List.<HeartbeatAge>of()) {
            if (age.age().compareTo(age.ttl().dividedBy(2)) > 0) {
                findings.add(new Finding(
                        "stale-heartbeat",
                        "instance " + age.id() + " of " + age.service() + " last renewed its lease "
                                + age.age().toSeconds() + "s ago (TTL "
                                + age.ttl().toSeconds() + "s): it is "
                                + "removed at the TTL unless it renews",
                        "check that the instance's process runs and can reach the registry; a stopped instance "
                                + "deregisters itself, so this one was cut off or is stuck"));
            }
        }
        final DefaultPolicy fallback = meshDefault.get();
        for (ServiceName service : services()) {
            final @Nullable RouteConfig config = routes.get(service).document();
            if (config != null) {
                for (String warning : RouteWarnings.of(
                        service.value(), config, table.snapshot(service).instances())) {
                    findings.add(new Finding(
                            "route-subset",
                            "route config of " + service + ": " + warning,
                            "start an instance with that subset's labels, or send its weight elsewhere: "
                                    + "meshctl routes split " + service + " ..."));
                }
            }
            final @Nullable AccessPolicy policy = policies.get(service).document();
            if (policy == null) {
                findings.add(new Finding(
                        "no-policy",
                        "service " + service + " has no access policy: its @AllowCallers annotations and the "
                                + "mesh-wide default (" + fallback.value() + ") decide who may call it",
                        "write one that names its callers: meshctl policies apply " + service + " --file policy.json"));
            } else if (policy.rules().stream().map(AccessRule::callers).allMatch(Set::isEmpty)
                    && policy.defaultPolicy() != DefaultPolicy.ALLOW) {
                findings.add(new Finding(
                        "deny-all-policy",
                        "the access policy of " + service + " names no caller, so it refuses every caller"
                                + (policy.defaultPolicy() == DefaultPolicy.DENY
                                        ? " that no @AllowCallers annotation allows"
                                        : ""),
                        "add a rule with the callers that may call it: meshctl policies apply " + service
                                + " --file policy.json"));
            }
        }
        return findings;
    }

    private static String peel(Throwable cause) {
        Throwable peeled = cause;
        while (peeled instanceof CompletionException && peeled.getCause() != null) {
            peeled = peeled.getCause();
        }
        return peeled.getMessage() != null ? peeled.getMessage() : peeled.toString();
    }

    /** The services with instances: a name only callers use serves nothing, and needs no policy or route. */
    private Set<ServiceName> services() {
        final Set<ServiceName> services = new TreeSet<>(Comparator.comparing(ServiceName::value));
        for (ServiceSummary summary : table.services()) {
            services.add(summary.name());
        }
        return services;
    }
}
