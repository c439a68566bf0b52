package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshctl top}: {@code meshctl stat}, refreshed in place, until {@code q}, ctrl-c or {@code --for}. On a
 * terminal it switches the terminal to read single keys (and back on the way out, ctrl-c included); elsewhere (a pipe,
 * a test) it prints one table, or one JSON object per line, per refresh.
 */
@Command(
        name = "top",
        mixinStandardHelpOptions = true,
        description = "A live view of the golden metrics: meshctl stat (or edges), refreshed in the terminal until "
                + "q, ctrl-c, or --for.")
final class Top extends AdminCommand {

    private static final String CLEAR = "\033[H\033[2J";

    @Mixin
    StatScope scope = new StatScope();

    @Option(
            names = "--interval",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "How often to refresh. Default: ${DEFAULT-VALUE}.")
    Duration interval = Duration.ofSeconds(2);

    @Option(
            names = "--for",
            converter = DurationConverter.class,
            description = "Stop after this long (such as 30s); until q or ctrl-c when left out.")
    @Nullable
    Duration duration;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table, or json: one object per refresh, per line. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private @Nullable ServiceName name;

    @Override
    void checkArguments() {
        name = scope.check("top", this::badArgument);
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw badArgument("--interval: " + interval.getSeconds() + "s (expected: at least 1s)");
        }
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        final boolean live = System.console() != null && output == OutputFormat.table;
        final Keys keys = live ? Keys.raw() : Keys.none();
        try {
            final Instant end = duration == null ? Instant.MAX : Instant.now().plus(duration);
            while (true) {
                final byte[] answer = registry.getJson(scope.path(name)).join();
                if (output == OutputFormat.json) {
                    out.println(Stat.MAPPER.readTree(answer).toString());
                } else {
                    final StringWriter table = new StringWriter();
                    final PrintWriter tableOut = new PrintWriter(table);
                    final JsonNode json = Stat.MAPPER.readTree(answer);
                    tableOut.println("meshctl top: " + registry.uri() + ", last "
                            + json.path("window").asText()
                            + ", refreshed every " + interval.getSeconds() + "s at "
                            + Instant.now().truncatedTo(ChronoUnit.SECONDS) + (live ? " (q to quit)" : ""));
                    StatTable.print(json, tableOut);
                    tableOut.flush();
                    out.print((live ? CLEAR : "") + table);
                }
                out.flush();
                final Instant next = Instant.now().plus(interval);
                final Instant until = next.isBefore(end) ? next : end;
                if (keys.quitBefore(until) || !Instant.now().isBefore(end)) {
                    return;
                }
            }
        } finally {
            keys.close();
        }
    }

    /** The keys typed while the table shows: {@code q} quits. */
    private static final class Keys implements AutoCloseable {

        private final @Nullable Thread restore;
        private final InputStream in;

        private Keys(@Nullable Thread restore, InputStream in) {
            this.restore = restore;
            this.in = in;
        }

        static Keys none() {
            return new Keys(null, InputStream.nullInputStream());
        }

        /** Single keys, no echo, from the terminal; restored on close and on ctrl-c. */
        static Keys raw() {
            if (!stty("-icanon -echo min 1")) {
                return new Keys(null, System.in);
            }
            final Thread restore = new Thread(() -> stty("icanon echo"), "meshctl-restore-terminal");
            Runtime.getRuntime().addShutdownHook(restore);
            return new Keys(restore, System.in);
        }

        /** Waits until {@code until}; true as soon as {@code q} is typed. */
        boolean quitBefore(Instant until) throws IOException, InterruptedException {
            while (Instant.now().isBefore(until)) {
                while (in.available() > 0) {
                    final int key = in.read();
                    if (key == 'q' || key == 'Q' || key == 3) {
                        return true;
                    }
                }
                Thread.sleep(Math.min(
                        50, Math.max(1, Duration.between(Instant.now(), until).toMillis())));
            }
            return false;
        }

        @Override
        public void close() {
            if (restore != null) {
                stty("icanon echo");
                try {
                    Runtime.getRuntime().removeShutdownHook(restore);
                } catch (IllegalStateException shuttingDown) {
                    // The hook runs anyway.
                }
            }
        }

        private static boolean stty(String settings) {
            try {
                final Process stty = new ProcessBuilder("sh", "-c", "stty " + settings + " < /dev/tty")
                        .redirectErrorStream(true)
                        .start();
                return stty.waitFor() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
