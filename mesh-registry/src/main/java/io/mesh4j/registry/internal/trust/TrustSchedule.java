package io.mesh4j.registry.internal.trust;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.registry.internal.ca.Fingerprints;
import io.mesh4j.registry.internal.ca.ScheduledRoot;

/**
 * The roots' schedule in the shared trust document ({@code mesh4j/trust/mesh}): a {@code "schedule"} array beside
 * the trust bundle, one entry per root ({@code name}, {@code sha256}, {@code signingFrom}, {@code retireAt}), the
 * certificate itself being the bundle's one of that fingerprint. Members never read it; replicas sign and retire by
 * it.
 */
final class TrustSchedule {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code snapshot}, a trust document as JSON, with {@code schedule} added. */
    static byte[] write(byte[] snapshot, List<ScheduledRoot> schedule) {
        try {
            final ObjectNode root = (ObjectNode) JSON.readTree(snapshot);
            final ArrayNode array = root.putArray("schedule");
            for (ScheduledRoot scheduled : schedule) {
                final ObjectNode node = array.addObject()
                        .put("name", scheduled.name())
                        .put("sha256", scheduled.fingerprint())
                        .put("signingFrom", scheduled.signingFrom().toString());
                if (scheduled.retireAt() != null) {
                    node.put("retireAt", scheduled.retireAt().toString());
                }
            }
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schedule of a trust document, the roots taken from its {@code bundle}; empty if it has none. */
    static List<ScheduledRoot> read(byte[] document, List<X509Certificate> bundle) {
        final JsonNode array;
        try {
            array = JSON.readTree(document).path("schedule");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final Map<String, X509Certificate> byFingerprint = new HashMap<>();
        bundle.forEach(certificate -> byFingerprint.put(Fingerprints.sha256(certificate), certificate));
        final List<ScheduledRoot> schedule = new ArrayList<>();
        for (JsonNode node : array) {
            final @Nullable X509Certificate certificate =
                    byFingerprint.get(node.path("sha256").asText());
            if (certificate == null) {
                throw new IllegalArgumentException(
                        "the trust document schedules root " + node.path("name").asText() + " (sha256 "
                                + node.path("sha256").asText() + "), which its trust bundle does not hold");
            }
            schedule.add(new ScheduledRoot(
                    node.path("name").asText(),
                    certificate,
                    Instant.parse(node.path("signingFrom").asText()),
                    node.hasNonNull("retireAt")
                            ? Instant.parse(node.path("retireAt").asText())
                            : null));
        }
        return schedule;
    }

    private TrustSchedule() {}
}
