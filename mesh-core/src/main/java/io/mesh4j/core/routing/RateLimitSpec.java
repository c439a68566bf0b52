package io.mesh4j.core.routing;

/**
 * At most {@code requestsPerSecond} requests to the route (for each caller identity when {@code perCaller}); more
 * get 429 with {@code Retry-After}.
 */
public record RateLimitSpec(double requestsPerSecond, boolean perCaller) {

    public RateLimitSpec {
        if (!(requestsPerSecond > 0 && requestsPerSecond <= 1_000_000)) {
            throw new IllegalArgumentException(
                    "rateLimit.requestsPerSecond: " + requestsPerSecond + " (expected: > 0, at most 1000000)");
        }
    }
}
