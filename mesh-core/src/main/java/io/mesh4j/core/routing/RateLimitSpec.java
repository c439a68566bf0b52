package io.mesh4j.core.routing;

/**
 * At most {@code requestsPerSecond} requests to the route (for each caller identity when {@code perCaller}); more
 * get 429 with {@code Retry-After}. The limit holds in each instance of the service, not across them.
 *
 * @param requestsPerSecond the most requests per second, {@code > 0} and at most 1,000,000; fractions such as
 *     {@code 0.5} (one request every two seconds) are allowed
 * @param perCaller {@code true} for one limit per calling identity, {@code false} for one limit shared by all
 */
public record RateLimitSpec(double requestsPerSecond, boolean perCaller) {

    /**
     * Checks the components.
     *
     * @param requestsPerSecond see {@link #requestsPerSecond()}
     * @param perCaller see {@link #perCaller()}
     * @throws IllegalArgumentException if {@code requestsPerSecond} is out of its range
     */
    public RateLimitSpec {
        if (!(requestsPerSecond > 0 && requestsPerSecond <= 1_000_000)) {
            throw new IllegalArgumentException(
                    "rateLimit.requestsPerSecond: " + requestsPerSecond + " (expected: > 0, at most 1000000)");
        }
    }
}
