package io.mesh4j.registry.internal.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations the way operators write them: {@code 30s}, {@code 15m}, {@code 24h}, {@code 7d}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(s|m|h|d)");

    @Override
    public Duration convert(String value) {
        final Matcher m = FORMAT.matcher(value);
        if (!m.matches()) {
            throw new TypeConversionException(
                    "'" + value + "' (expected: a whole number and s, m, h or d, such as " + "30s, 15m, 24h or 7d)");
        }
        final long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                return Duration.ofDays(amount);
        }
    }
}
