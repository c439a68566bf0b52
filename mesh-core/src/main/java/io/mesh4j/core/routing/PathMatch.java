package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;

/**
 * How a rule matches the request's path: exactly, by prefix, by template ({@code /orders/{id}}, one segment per
 * parameter), or by regular expression.
 *
 * <pre>{@code
 * PathMatch.of(PathMatch.Kind.TEMPLATE, "/orders/{id}")      // /orders/42, not /orders/42/items
 * PathMatch.of(PathMatch.Kind.REGEX, "^/orders/[0-9]+$")
 * }</pre>
 */
public final class PathMatch {

    /** The kinds of path match, as the route config names them. */
    public enum Kind {
        /** The path equals the value. */
        EXACT,
        /** The path starts with the value, character by character: {@code /orders} also matches {@code /orders2}. */
        PREFIX,
        /** The whole path matches the value, each {@code {name}} standing for one non-empty segment. */
        TEMPLATE,
        /**
         * The regular expression is found in the path, anywhere unless anchored with {@code ^} and {@code $}; at
         * most 256 characters, and no quantified group with a quantifier inside, such as {@code (a+)+}.
         */
        REGEX
    }

    /** Longer expressions are refused: a route matches URLs, not documents. */
    static final int MAX_REGEX_LENGTH = 256;

    /**
     * A group with a quantifier inside, itself quantified: {@code (a+)+}, {@code (.*)*}, {@code (\w+\s?)*}. Such
     * expressions backtrack exponentially on a crafted path, and Java's regular expressions have no time limit.
     */
    private static final Pattern NESTED_QUANTIFIER =
            Pattern.compile("\\((?:[^()\\\\]|\\\\.)*[*+}](?:[^()\\\\]|\\\\.)*\\)[*+{]");

    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{[A-Za-z_][A-Za-z0-9_]*}");

    private final Kind kind;
    private final String value;
    private final @Nullable Pattern pattern;

    private PathMatch(Kind kind, String value, @Nullable Pattern pattern) {
        this.kind = kind;
        this.value = value;
        this.pattern = pattern;
    }

    /**
     * Returns a match of the given kind.
     *
     * @param kind how {@code value} is read
     * @param value a path starting with {@code /} (exact, prefix, template) or a regular expression
     * @return the match
     * @throws IllegalArgumentException saying what is wrong with {@code value}: a path not starting with {@code /},
     *     a regular expression that is too long, does not compile, or could backtrack exponentially
     */
    public static PathMatch of(Kind kind, String value) {
        requireNonNull(kind, "kind");
        requireNonNull(value, "value");
        switch (kind) {
            case EXACT:
            case PREFIX:
                checkPath(value);
                return new PathMatch(kind, value, null);
            case TEMPLATE:
                checkPath(value);
                final String regex = "^"
                        + TEMPLATE_PARAM
                                .splitAsStream(value)
                                .map(Pattern::quote)
                                .reduce((a, b) -> a + "[^/]+" + b)
                                .orElse("")
                        + (value.endsWith("}") ? "[^/]+" : "") + '$';
                return new PathMatch(kind, value, Pattern.compile(regex));
            default:
                return new PathMatch(kind, value, compileRegex(value));
        }
    }

    private static void checkPath(String value) {
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException("'" + value + "' (expected: a path starting with /)");
        }
    }

    private static Pattern compileRegex(String value) {
        if (value.length() > MAX_REGEX_LENGTH) {
            throw new IllegalArgumentException(
                    "a regex of " + value.length() + " characters (expected: at most " + MAX_REGEX_LENGTH + ')');
        }
        if (NESTED_QUANTIFIER.matcher(value).find()) {
            throw new IllegalArgumentException("'" + value + "' nests a quantifier inside a quantified group, which "
                    + "can take exponential time on a crafted path (expected: a "
                    + "simpler pattern, such as ^/orders/[0-9]+$)");
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' does not compile: " + e.getDescription());
        }
    }

    /**
     * Returns whether the request path matches.
     *
     * @param path the request's path, without the query
     * @return {@code true} if it matches
     */
    public boolean matches(String path) {
        switch (kind) {
            case EXACT:
                return path.equals(value);
            case PREFIX:
                return path.startsWith(value);
            default:
                return requireNonNull(pattern, "pattern").matcher(path).find();
        }
    }

    /**
     * Returns how the value is read.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the path, template or expression, as given.
     *
     * @return the value
     */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathMatch && ((PathMatch) o).kind == kind && ((PathMatch) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + value.hashCode();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ' ' + value;
    }
}
