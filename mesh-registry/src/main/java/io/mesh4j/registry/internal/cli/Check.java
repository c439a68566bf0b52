package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;

import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl check}: pre-flight. What only this side can see (is the registry reachable, and its clock with ours),
 * then what the registry finds ({@code GET /v1/check}): roots and workload certificates near their expiry, late
 * heartbeats, route configs that split to a subset with no instance, policies that refuse every caller, services with
 * no policy. Each problem is one line with what to do; the exit code is 1 when there is any.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Pre-flight check of the mesh: registry reachable, clock skew, CA and workload certificate "
                + "expiry, stale heartbeats, route subsets with no instance, policies that deny everyone, services "
                + "with no policy. Exit code 1 when it finds a problem.")
final class Check implements Callable<Integer> {

    /** A clock further off than this breaks certificate checks (not yet valid, already expired) and TTLs. */
    static final Duration MAX_SKEW = Duration.ofSeconds(5);

    @Mixin
    MeshCtl.Connection connection = new MeshCtl.Connection();

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private record Problem(String check, String problem, String fix) {}

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final List<Problem> problems = new ArrayList<>();
        final List<String> passed = new ArrayList<>();
        try (RegistryTrust.AdminClient admin = connection.open()) {
            final RegistryClient registry = admin.client();
            final Instant sent = Instant.now();
            final @Nullable AggregatedHttpResponse health = reach(registry, problems);
            final Instant received = Instant.now();
            if (health != null) {
                passed.add("registry reachable at " + registry.uri());
                ready(registry, problems, passed);
                skew(health, sent, received, problems, passed);
                final JsonNode found =
                        Stat.MAPPER.readTree(registry.getJson("/v1/check").join());
                for (JsonNode problem : found.path("problems")) {
                    problems.add(new Problem(
                            problem.path("check").asText(),
                            problem.path("problem").asText(),
                            problem.path("fix").asText()));
                }
            }
        } finally {
            out.flush();
        }
        if (output == OutputFormat.json) {
            final ObjectNode root = Stat.MAPPER.createObjectNode();
            root.put("ok", problems.isEmpty());
            final ArrayNode array = root.putArray("problems");
            problems.forEach(p -> array.addObject()
                    .put("check", p.check())
                    .put("problem", p.problem())
                    .put("fix", p.fix()));
            out.println(Stat.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            passed.forEach(line -> out.println("ok       " + line));
            for (Problem problem : problems) {
                out.println("PROBLEM  [" + problem.check() + "] " + problem.problem() + ". Fix: " + problem.fix());
            }
            out.println(
                    problems.isEmpty()
                            ? "no problems found"
                            : problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " found");
        }
        out.flush();
        return problems.isEmpty() ? 0 : MeshCtl.EXIT_FAILED;
    }

    private static @Nullable AggregatedHttpResponse reach(RegistryClient registry, List<Problem> problems) {
        try {
            final AggregatedHttpResponse health = registry.getAnswer("/healthz").join();
            if (!health.status().isSuccess()) {
                problems.add(new Problem(
                        "registry",
                        "the registry at " + registry.uri() + " answers /healthz with " + health.status() + ": "
                                + health.contentUtf8(),
                        "read the registry's log: a store that failed refuses every change until it is restarted"));
            }
            return health;
        } catch (RuntimeException e) {
            problems.add(new Problem(
                    "registry",
                    ConnectionErrors.describe(registry.uri(), e),
                    "start the registry, or point meshctl at it: --registry, " + MeshCtlDefaults.ENV_REGISTRY
                            + ", or registry= in " + MeshCtlDefaults.describeConfigFile()));
            return null;
        }
    }

    /**
     * Whether the registry asked can do all its jobs ({@code GET /readyz}): a replica without the key of the root
     * that signs now, or cut off from etcd, still answers {@code /healthz} but refuses certificates or changes.
     */
    private static void ready(RegistryClient registry, List<Problem> problems, List<String> passed) {
        final AggregatedHttpResponse ready;
        try {
            ready = registry.getAnswer("/readyz").join();
        } catch (RuntimeException e) {
            return; // it answered /healthz a moment ago: reachability is already reported
        }
        if (ready.status().code() == 404) {
            return; // a registry from before /readyz
        }
        if (ready.status().isSuccess()) {
            passed.add("registry ready (/readyz): it can do every one of its jobs");
            return;
        }
        String message = ready.contentUtf8();
        try {
            message = Stat.MAPPER.readTree(message).path("message").asText(message);
        } catch (IOException e) {
            // not the registry's JSON: the body as it is
        }
        problems.add(new Problem(
                "replica-ready",
                "the registry at " + registry.uri() + " answers /readyz with "
                        + ready.status().code() + ", " + message,
                "do what the message says (meshctl ca install for a missing root key, an etcd quorum for etcd); "
                        + "meanwhile members that know another replica use it, and a load balancer should send this "
                        + "one reads and watches only"));
    }

    private static void skew(
            AggregatedHttpResponse health,
            Instant sent,
            Instant received,
            List<Problem> problems,
            List<String> passed) {
        final @Nullable String date = health.headers().get(HttpHeaderNames.DATE);
        if (date == null) {
            return;
        }
        final Instant theirs;
        try {
            theirs = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            return;
        }
        // The Date header has whole seconds: the registry's clock read somewhere in [sent, received], truncated.
        final Instant ours = sent.plus(Duration.between(sent, received).dividedBy(2));
        final Duration skew = Duration.between(ours, theirs).abs();
        if (skew.compareTo(MAX_SKEW.plusSeconds(1)) > 0) {
            problems.add(new Problem(
                    "clock-skew",
                    "the registry's clock is " + skew.toSeconds() + "s "
                            + (theirs.isAfter(ours) ? "ahead of" : "behind")
                            + " this machine's: certificates may look not yet valid or expired, and TTLs run off",
                    "synchronise the clocks with NTP (timedatectl set-ntp true, or chrony)"));
        } else {
            passed.add("clock within " + MAX_SKEW.toSeconds() + "s of the registry's");
        }
    }
}
