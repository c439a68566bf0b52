package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.QueryParamsBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.registry.TapJson;
import io.mesh4j.core.internal.tap.TapFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl tap SERVICE}: a live, sampled stream of the requests a service serves and makes, as Linkerd's
 * {@code tap}: one row (or JSON object) per request as the registry streams it, until ctrl-c or {@code --for}. The
 * tap is open as long as this command runs; the service's members sample only while it is.
 */
@Command(
        name = "tap",
        mixinStandardHelpOptions = true,
        description = "A live, sampled stream of the requests SERVICE serves (inbound) and makes (outbound): caller, "
                + "method, path or gRPC method, status, latency, attempts. Headers, queries and bodies are never "
                + "shown. Until ctrl-c or --for; needs the admin token.")
final class Tap extends AdminCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final String ROW = "%-12s %-4s %-16s %-16s %-7s %-40s %6s %10s %8s%n";

    @Parameters(paramLabel = "SERVICE", description = "The service to tap.")
    String service = "";

    @Option(names = "--from", paramLabel = "CALLER", description = "Only the requests SERVICE serves to CALLER.")
    @Nullable
    String from;

    @Option(names = "--to", paramLabel = "SERVICE", description = "Only the calls SERVICE makes to this service.")
    @Nullable
    String to;

    @Option(
            names = "--path",
            paramLabel = "PREFIX",
            description = "Only requests whose path starts with PREFIX (a gRPC call's is /pkg.Service/Method).")
    @Nullable
    String path;

    @Option(names = "--method", paramLabel = "METHOD", description = "Only requests of this HTTP method.")
    @Nullable
    String method;

    @Option(
            names = "--max-rps",
            paramLabel = "N",
            defaultValue = "" + TapFilter.DEFAULT_RPS,
            description = "At most N records a second, from 1 to " + TapFilter.MAX_RPS + ". Default: ${DEFAULT-VALUE}.")
    int maxRps = TapFilter.DEFAULT_RPS;

    @Option(
            names = "--for",
            converter = DurationConverter.class,
            description = "Stop after this long (such as 30s); until ctrl-c when left out.")
    @Nullable
    Duration duration;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table, or json: one object per request, per line. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private String pathAndQuery = "";

    @Override
    void checkArguments() {
        final ServiceName name;
        try {
            name = ServiceName.of(service);
        } catch (IllegalArgumentException e) {
            throw badArgument("SERVICE: " + e.getMessage());
        }
        if (from != null && to != null) {
            throw badArgument("--from and --to exclude each other: --from keeps the requests " + name
                    + " serves to one " + "caller, --to the calls it makes to one service (give one of them)");
        }
        if (duration != null && duration.isZero()) {
            throw badArgument("--for: 0s (expected: a duration such as 30s, or leave it out to tap until ctrl-c)");
        }
        try {
            new TapFilter("check", from, to, path, method, maxRps);
        } catch (IllegalArgumentException e) {
            throw badArgument("--" + e.getMessage());
        }
        final QueryParamsBuilder query = QueryParams.builder();
        if (from != null) {
            query.add("from", from);
        }
        if (to != null) {
            query.add("to", to);
        }
        if (path != null) {
            query.add("path", path);
        }
        if (method != null) {
            query.add("method", method);
        }
        query.add("maxRps", Integer.toString(maxRps));
        pathAndQuery = TapJson.tapPath(name.value()) + '?' + query.build().toQueryString();
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        final PrintWriter err = spec.commandLine().getErr();
        final HttpResponse response = registry.openTap(pathAndQuery);
        final SplitHttpResponse split = response.split();
        final ResponseHeaders headers = split.headers().join();
        if (!headers.status().isSuccess()) {
            final AggregatedHttpResponse refusal = AggregatedHttpResponse.of(
                    headers, split.body().collect().join().stream().reduce(HttpData.empty(), Tap::concat));
            throw new RegistryException(
                    refusal.status().code(),
                    RegistryJson.parseError(
                            refusal.status().code(), refusal.content().array()));
        }
        final Lines lines = new Lines();
        split.body().subscribe(lines);
        final Instant end = duration == null ? Instant.MAX : Instant.now().plus(duration);
        long records = 0;
        boolean first = true;
        try {
            while (true) {
                final long left = Duration.between(Instant.now(), end).toMillis();
                if (left <= 0) {
                    break;
                }
                final @Nullable String line = lines.queue.poll(Math.min(left, 1_000), TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (line.isEmpty()) {
                    throw new MeshCtl.Failure("the registry ended the tap of " + service
                            + (lines.failure != null ? " (" + lines.failure + ')' : "")
                            + " after " + records + " records; run meshctl tap again");
                }
                final JsonNode json = Stat.MAPPER.readTree(line);
                if (first) {
                    first = false;
                    err.println("tapping " + service + " at " + registry.uri() + ": " + describe(json)
                            + (duration == null ? "; ctrl-c to stop" : "; for " + duration.getSeconds() + "s"));
                    err.flush();
                    if (output == OutputFormat.table) {
                        out.printf(ROW, "TIME", "DIR", "FROM", "TO", "METHOD", "PATH", "STATUS", "LATENCY", "ATTEMPTS");
                        out.flush();
                    }
                    continue;
                }
                records++;
                if (output == OutputFormat.json) {
                    out.println(json.toString());
                } else {
                    printRow(json, out);
                }
                out.flush();
            }
        } finally {
            response.abort();
        }
        err.println(records + " records");
        err.flush();
    }

    private static void printRow(JsonNode record, PrintWriter out) {
        final String time = LocalTime.ofInstant(
                        Instant.parse(record.path("time").asText()), ZoneOffset.UTC)
                .format(TIME);
        final boolean inbound = "inbound".equals(record.path("direction").asText());
        final String status = record.has("grpcStatus")
                ? record.path("status").asText() + "/"
                        + record.path("grpcStatus").asText()
                : record.path("status").asText();
        out.printf(
                ROW,
                time,
                inbound ? "in" : "out",
                record.path("caller").asText(),
                record.path("service").asText(),
                record.path("method").asText(),
                record.path("path").asText(),
                status,
                String.format(
                        java.util.Locale.ROOT,
                        "%.1fms",
                        record.path("latencyMs").asDouble()),
                inbound ? "-" : record.path("attempts").asText());
    }

    private static String describe(JsonNode first) {
        final StringBuilder what = new StringBuilder();
        what.append(first.has("from") ? "requests from " + first.path("from").asText() : "")
                .append(first.has("to") ? "calls to " + first.path("to").asText() : "");
        if (what.length() == 0) {
            what.append("requests in and out");
        }
        if (first.has("method")) {
            what.append(", method ").append(first.path("method").asText());
        }
        if (first.has("path")) {
            what.append(", path ").append(first.path("path").asText()).append('*');
        }
        return what.append(", at most ")
                .append(first.path("maxRps").asInt())
                .append(" a second")
                .toString();
    }

    private static HttpData concat(HttpData a, HttpData b) {
        final byte[] bytes = new byte[a.length() + b.length()];
        System.arraycopy(a.array(), 0, bytes, 0, a.length());
        System.arraycopy(b.array(), 0, bytes, a.length(), b.length());
        return HttpData.wrap(bytes);
    }

    /** The stream's body, cut into non-empty lines as it arrives; {@link #END} once it ends. */
    private static final class Lines implements Subscriber<HttpData> {

        /** The stream ended: no line of it is empty. */
        static final String END = "";

        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        volatile @Nullable Throwable failure;

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpData data) {
            partial.append(data.toStringUtf8());
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                final String line = partial.substring(0, newline).strip();
                partial.delete(0, newline + 1);
                if (!line.isEmpty()) {
                    queue.add(line);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            failure = t;
            queue.add(END);
        }

        @Override
        public void onComplete() {
            queue.add(END);
        }
    }
}
