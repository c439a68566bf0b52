package io.mesh4j.spring.line;

import java.util.Map;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationContext;

/**
 * What the shared tests need from the Spring Boot line they run on, in Spring Boot 3.5's packages. The Boot 4
 * starter's tests have a class of this name in Boot 4's packages instead; every other test is shared.
 */
public final class BootLine {

    /** The Spring Boot line these tests run on. */
    public static final String LINE = "3.5";

    /** The phase of Spring Boot's web server graceful shutdown, which the mesh server stops before. */
    public static final int WEB_SERVER_GRACEFUL_SHUTDOWN_PHASE =
            WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;

    private BootLine() {}

    /** The {@code meshHealthIndicator} bean's health now: its status ({@code UP}, {@code DOWN}) and details. */
    public static Reading meshHealth(ApplicationContext context) {
        final Health health =
                context.getBean("meshHealthIndicator", HealthIndicator.class).health();
        return new Reading(health.getStatus().getCode(), health.getDetails());
    }

    /** The port of the application's web server. */
    public static int webServerPort(ApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** One health reading. */
    public record Reading(String status, Map<String, Object> details) {}
}
