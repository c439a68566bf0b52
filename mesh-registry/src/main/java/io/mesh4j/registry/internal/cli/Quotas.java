package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl quotas}: every mesh-wide quota held now, who holds how much of it, their demand and refusals. */
@Command(
        name = "quotas",
        mixinStandardHelpOptions = true,
        description = "Mesh-wide quotas: one row per holder of each quota, with its leased share and recent demand "
                + "(requests per second), and the refusals the holders reported; a note under the table where the "
                + "instances' @Quota declarations and the route config differ.")
final class Quotas extends AdminCommand {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Parameters(arity = "0..1", paramLabel = "SERVICE", description = "Only this service's quotas.")
    @Nullable
    String service;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    @Override
    void checkArguments() {
        if (service != null) {
            try {
                ServiceName.of(service);
            } catch (IllegalArgumentException e) {
                throw badArgument("SERVICE: " + e.getMessage());
            }
        }
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        final JsonNode answer =
                MAPPER.readTree(registry.getJson(QuotaJson.LIST_PATH).join());
        final List<JsonNode> quotas = new ArrayList<>();
        for (JsonNode quota : answer.path("quotas")) {
            if (service == null || service.equals(quota.path("service").asText())) {
                quotas.add(quota);
            }
        }
        if (output == OutputFormat.json) {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(quotas));
            return;
        }
        final List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("SERVICE", "QUOTA", "LIMIT", "SCOPE", "REFUSED", "HOLDER", "SHARE/S", "DEMAND/S", "EXPIRES"));
        for (JsonNode quota : quotas) {
            final String limit =
                    quota.path("requests").asLong() + "/" + quota.path("per").asText();
            // A quota that instances declare with @Quota counts the routes that declare it (and the rule, if set).
            final String routes = quota.path("declared").isEmpty() ? "" : "@Quota routes, ";
            final String scope = routes
                    + (quota.hasNonNull("rule")
                            ? "rule " + quota.path("rule").asText()
                            : routes.isEmpty() ? "every rule" : "any rule")
                    + ", "
                    + (quota.hasNonNull("caller")
                            ? "from " + quota.path("caller").asText()
                            : "every caller");
            final String refused = Long.toString(quota.path("refusals").asLong());
            if (quota.path("holders").isEmpty()) {
                rows.add(List.of(
                        quota.path("service").asText(),
                        quota.path("name").asText(),
                        limit,
                        scope,
                        refused,
                        "-",
                        "-",
                        "-",
                        "-"));
            }
            for (JsonNode holder : quota.path("holders")) {
                rows.add(List.of(
                        quota.path("service").asText(),
                        quota.path("name").asText(),
                        limit,
                        scope,
                        refused,
                        holder.path("instance").asText(),
                        String.format(Locale.ROOT, "%.2f", holder.path("share").asDouble()),
                        String.format(Locale.ROOT, "%.2f", holder.path("demand").asDouble()),
                        StatTable.millis(holder.path("expiresInMillis").asDouble())));
            }
        }
        StatTable.print(rows, out);
        for (JsonNode quota : quotas) {
            // Where the size comes from when instances declare it with @Quota: the route config's, or theirs.
            if (quota.hasNonNull("note")) {
                out.println(quota.path("service").asText() + " "
                        + quota.path("name").asText() + ": "
                        + quota.path("note").asText());
            }
        }
        if (rows.size() == 1) {
            out.println("(no quota is held now" + (service != null ? " for " + service : "") + ")");
        }
    }
}
