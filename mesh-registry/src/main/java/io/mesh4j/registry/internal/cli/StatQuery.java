package io.mesh4j.registry.internal.cli;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;

/** The registry path of a stat: all services, one service by service, route or edge, or every edge. */
final class StatQuery {

    /** How a stat of one service is broken down. */
    enum By {
        service,
        route,
        edge
    }

    static String path(@Nullable ServiceName service, @Nullable By by, Duration window) {
        final String windowParam = "window=" + window.getSeconds() + 's';
        if (service == null) {
            return by == By.edge ? "/v1/stats/edges?" + windowParam : "/v1/stats/services?" + windowParam;
        }
        return "/v1/stats/services/" + service.value() + "?by=" + (by == null ? By.service : by) + '&' + windowParam;
    }

    /** The window's check, before anything is sent: what the registry keeps. */
    static @Nullable String windowProblem(Duration window) {
        return window.compareTo(Duration.ofSeconds(10)) < 0 || window.compareTo(Duration.ofMinutes(15)) > 0
                ? "--window: " + window.getSeconds() + "s (expected: from 10s to 15m; the registry keeps 15 minutes)"
                : null;
    }

    private StatQuery() {}
}
