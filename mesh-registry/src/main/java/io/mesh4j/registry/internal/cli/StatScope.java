package io.mesh4j.registry.internal.cli;

import java.time.Duration;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What {@code meshctl stat} and {@code meshctl top} both ask for: which service, a row per what, how far back. */
final class StatScope {

    @Parameters(arity = "0..1", paramLabel = "SERVICE", description = "One service; all of them when left out.")
    @Nullable
    String service;

    @Option(names = "--by", paramLabel = "route|edge", description = "A row per route (with SERVICE) or per edge.")
    StatQuery.@Nullable By by;

    @Option(
            names = "--window",
            defaultValue = "1m",
            converter = DurationConverter.class,
            description = "How far back: 10s to 15m. Default: ${DEFAULT-VALUE}.")
    Duration window = Duration.ofMinutes(1);

    /**
     * The service asked for, null for all, once the arguments are checked together.
     *
     * @param command the command's name, for the example in the message of {@code --by route} without a service
     * @param badArgument the command's way to refuse an argument
     */
    @Nullable
    ServiceName check(String command, Function<String, RuntimeException> badArgument) {
        @Nullable ServiceName name = null;
        if (service != null) {
            try {
                name = ServiceName.of(service);
            } catch (IllegalArgumentException e) {
                throw badArgument.apply("SERVICE: " + e.getMessage());
            }
        } else if (by == StatQuery.By.route) {
            throw badArgument.apply("--by route needs a SERVICE (such as meshctl " + command + " orders --by route)");
        }
        final @Nullable String problem = StatQuery.windowProblem(window);
        if (problem != null) {
            throw badArgument.apply(problem);
        }
        return name;
    }

    /** The registry's path of the stat this scope asks for. */
    String path(@Nullable ServiceName name) {
        return StatQuery.path(name, by, window);
    }
}
