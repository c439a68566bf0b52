package io.mesh4j.benchmarks.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads the durations of benchmark phases as people write them: {@code 500ms}, {@code 5s}, {@code 2m}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m)");

    @Override
    public Duration convert(String value) {
        final Matcher m = FORMAT.matcher(value);
        if (!m.matches()) {
            throw new TypeConversionException(
                    "'" + value + "' (expected: a whole number and ms, s or m, such as " + "500ms, 5s or 2m)");
        }
        final long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            default:
                return Duration.ofMinutes(amount);
        }
    }
}
