package io.mesh4j.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads {@code /actuator/health}'s JSON. Spring Boot 4 writes a health's properties in another order than 3.5
 * ({@code details} before {@code status}), so the tests read the status rather than match the text.
 */
final class HealthJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthJson() {}

    /** The {@code mesh} component's status, such as {@code UP}, or {@code missing}. */
    static String meshStatus(String health) {
        try {
            return JSON.readTree(health)
                    .path("components")
                    .path("mesh")
                    .path("status")
                    .asText("missing");
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + health, e);
        }
    }
}
