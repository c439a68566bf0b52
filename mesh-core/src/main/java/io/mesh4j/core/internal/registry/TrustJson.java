package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The bodies of the mesh's trust state: the roots in force and the revoked certificates, watched by every member
 * at {@code /v1/identity/trust}, and the operator's revocations at {@code /v1/admin/revocations}. Requests are read
 * strictly, answers leniently, as in {@link RegistryJson}.
 */
public final class TrustJson {

    private static final Set<String> REVOKE_FIELDS = Set.of("spiffeId", "serial");

    /**
     * One revocation. By serial ({@code serial} set), it refuses that one certificate; by SPIFFE ID
     * ({@code notBeforeUpTo} set), every certificate of the ID whose validity starts at or before
     * {@code notBeforeUpTo}, which is every one issued up to {@code revokedAt}. It is kept until {@code until}, when
     * the last certificate it refuses has expired anyway.
     */
    public record Revocation(
            String spiffeId,
            @Nullable String serial,
            @Nullable Instant notBeforeUpTo,
            Instant revokedAt,
            Instant until) {
        public Revocation {
            requireNonNull(spiffeId, "spiffeId");
            requireNonNull(revokedAt, "revokedAt");
            requireNonNull(until, "until");
            if ((serial == null) == (notBeforeUpTo == null)) {
                throw new IllegalArgumentException("a revocation names a serial or a notBeforeUpTo, not both");
            }
        }

        /** What it revokes, in words: {@code serial 3f2a...} or {@code spiffe://... (issued up to ...)}. */
        public String describe() {
            return serial != null
                    ? "the certificate of serial " + serial + " (" + spiffeId + ')'
                    : "every certificate of " + spiffeId + " issued up to " + revokedAt;
        }
    }

    /** The trust state at an index: the roots in force (PEM) and the revocations not yet past. */
    public record TrustSnapshot(long index, String trustBundle, List<Revocation> revocations) {
        public TrustSnapshot {
            requireNonNull(trustBundle, "trustBundle");
            revocations = List.copyOf(revocations);
        }
    }

    /** The operator's request: exactly one of a SPIFFE ID or a serial. */
    public record RevokeRequest(
            @Nullable String spiffeId, @Nullable String serial) {}

    public static byte[] writeSnapshot(TrustSnapshot snapshot) {
        final ObjectNode root =
                JsonTrees.NODES.objectNode().put("index", snapshot.index()).put("trustBundle", snapshot.trustBundle());
        writeRevocations(root.putArray("revocations"), snapshot.revocations());
        return RegistryJson.write(root);
    }

    public static TrustSnapshot parseSnapshot(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        return new TrustSnapshot(
                root.path("index").asLong(),
                root.path("trustBundle").asText(),
                readRevocations(root.path("revocations")));
    }

    public static byte[] writeRevocations(List<Revocation> revocations) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        writeRevocations(root.putArray("revocations"), revocations);
        return RegistryJson.write(root);
    }

    public static List<Revocation> parseRevocations(byte[] body) {
        return readRevocations(RegistryJson.readAnswer(body).path("revocations"));
    }

    public static byte[] writeRevocation(Revocation revocation) {
        return RegistryJson.write(revocationNode(JsonTrees.NODES.objectNode(), revocation));
    }

    public static Revocation parseRevocation(byte[] body) {
        return readRevocation(RegistryJson.readAnswer(body));
    }

    public static byte[] writeRevokeRequest(RevokeRequest request) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        if (request.spiffeId() != null) {
            root.put("spiffeId", request.spiffeId());
        }
        if (request.serial() != null) {
            root.put("serial", request.serial());
        }
        return RegistryJson.write(root);
    }

    public static RevokeRequest parseRevokeRequest(byte[] body) {
        final ObjectNode root = StrictJson.readObject(
                body, "{\"spiffeId\": \"spiffe://mesh.local/svc/orders\"} or {\"serial\": \"3f2a...\"}");
        final StrictJson.Fields fields = new StrictJson.Fields(root, REVOKE_FIELDS);
        final String spiffeId = fields.optionalString("spiffeId", "");
        final String serial = fields.optionalString("serial", "");
        if (spiffeId.isEmpty() == serial.isEmpty()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "give exactly one of spiffeId (every certificate of the identity) or serial (one certificate)");
        }
        return new RevokeRequest(spiffeId.isEmpty() ? null : spiffeId, serial.isEmpty() ? null : serial);
    }

    private static void writeRevocations(ArrayNode array, List<Revocation> revocations) {
        revocations.forEach(revocation -> revocationNode(array.addObject(), revocation));
    }

    private static ObjectNode revocationNode(ObjectNode node, Revocation revocation) {
        node.put("spiffeId", revocation.spiffeId());
        if (revocation.serial() != null) {
            node.put("serial", revocation.serial());
        }
        if (revocation.notBeforeUpTo() != null) {
            node.put("notBeforeUpTo", revocation.notBeforeUpTo().toString());
        }
        return node.put("revokedAt", revocation.revokedAt().toString())
                .put("until", revocation.until().toString());
    }

    private static List<Revocation> readRevocations(JsonNode array) {
        final List<Revocation> revocations = new ArrayList<>();
        for (JsonNode node : array) {
            revocations.add(readRevocation(node));
        }
        return revocations;
    }

    private static Revocation readRevocation(JsonNode node) {
        return new Revocation(
                node.path("spiffeId").asText(),
                node.hasNonNull("serial") ? node.path("serial").asText() : null,
                node.hasNonNull("notBeforeUpTo")
                        ? Instant.parse(node.path("notBeforeUpTo").asText())
                        : null,
                Instant.parse(node.path("revokedAt").asText()),
                Instant.parse(node.path("until").asText()));
    }

    private TrustJson() {}
}
