package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.ServiceName;

/**
 * The bodies of the registry's identity and admin calls: certificate requests and their answers, join tokens,
 * CA rotations. Certificates travel as PEM text; requests are read strictly, answers leniently, as in
 * {@link RegistryJson}.
 */
public final class IdentityJson {

    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(24);

    private static final Set<String> CSR_FIELDS = Set.of("csr", "token", "serviceAccountToken");
    private static final Set<String> TOKEN_FIELDS = Set.of("service", "ttlSeconds", "uses");

    // ---- POST /v1/identity/csr

    /**
     * A certificate request: the CSR in PEM, and the first time a join token or a Kubernetes service-account token
     * (a renewal proves itself with the client certificate instead).
     */
    public record CsrRequest(
            String csr, @Nullable String token, @Nullable String serviceAccountToken) {
        public CsrRequest {
            requireNonNull(csr, "csr");
        }

        /** A request with a join token, or with none (a renewal). */
        public CsrRequest(String csr, @Nullable String token) {
            this(csr, token, null);
        }
    }

    public static byte[] writeCsrRequest(CsrRequest request) {
        final ObjectNode root = JsonTrees.NODES.objectNode().put("csr", request.csr());
        if (request.token() != null) {
            root.put("token", request.token());
        }
        if (request.serviceAccountToken() != null) {
            root.put("serviceAccountToken", request.serviceAccountToken());
        }
        return RegistryJson.write(root);
    }

    public static CsrRequest parseCsrRequest(byte[] body) {
        final ObjectNode root = StrictJson.readObject(
                body, "{\"csr\": \"-----BEGIN CERTIFICATE REQUEST-----...\", " + "\"token\": \"<join token>\"}");
        final StrictJson.Fields fields = new StrictJson.Fields(root, CSR_FIELDS);
        final String csr = fields.requiredString("csr");
        final String token = fields.optionalString("token", "");
        final String serviceAccountToken = fields.optionalString("serviceAccountToken", "");
        return new CsrRequest(
                csr, token.isEmpty() ? null : token, serviceAccountToken.isEmpty() ? null : serviceAccountToken);
    }

    /**
     * The join token of a certificate request's body, read before anything else about it so that the registry
     * knows who asks before it parses what is asked; {@code null} if there is none, or the body is not a JSON
     * object at all (which then says nothing to someone who has not proven who they are).
     */
    public static @Nullable String tokenOf(byte[] body) {
        return textOf(body, "token");
    }

    /**
     * The Kubernetes service-account token of a certificate request's body, read before anything else as {@link
     * #tokenOf} is; {@code null} if there is none.
     */
    public static @Nullable String serviceAccountTokenOf(byte[] body) {
        return textOf(body, "serviceAccountToken");
    }

    private static @Nullable String textOf(byte[] body, String field) {
        final ObjectNode root;
        try {
            root = StrictJson.readObject(body, "{}");
        } catch (InvalidInputException e) {
            return null;
        }
        final JsonNode value = root.path(field);
        return value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }

    /**
     * What the registry answers a certificate request: the SPIFFE ID issued, the chain (the workload's certificate
     * first), the roots to trust, and when the certificate expires.
     */
    public record CsrAnswer(String spiffeId, String certificateChain, String trustBundle, Instant expiresAt) {
        public CsrAnswer {
            requireNonNull(spiffeId, "spiffeId");
            requireNonNull(certificateChain, "certificateChain");
            requireNonNull(trustBundle, "trustBundle");
            requireNonNull(expiresAt, "expiresAt");
        }
    }

    public static byte[] writeCsrAnswer(CsrAnswer answer) {
        return RegistryJson.write(JsonTrees.NODES
                .objectNode()
                .put("spiffeId", answer.spiffeId())
                .put("certificateChain", answer.certificateChain())
                .put("trustBundle", answer.trustBundle())
                .put("expiresAt", answer.expiresAt().toString()));
    }

    public static CsrAnswer parseCsrAnswer(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        return new CsrAnswer(
                root.path("spiffeId").asText(), root.path("certificateChain").asText(),
                root.path("trustBundle").asText(),
                        Instant.parse(root.path("expiresAt").asText()));
    }

    // ---- POST /v1/admin/tokens

    /** An operator's request for a join token. */
    public record TokenRequest(ServiceName service, Duration ttl, int uses) {
        public TokenRequest {
            requireNonNull(service, "service");
            requireNonNull(ttl, "ttl");
        }
    }

    public static byte[] writeTokenRequest(TokenRequest request) {
        return RegistryJson.write(JsonTrees.NODES
                .objectNode()
                .put("service", request.service().value())
                .put("ttlSeconds", request.ttl().toSeconds())
                .put("uses", request.uses()));
    }

    public static TokenRequest parseTokenRequest(byte[] body) {
        final ObjectNode root =
                StrictJson.readObject(body, "{\"service\": \"orders\", \"ttlSeconds\": 3600, " + "\"uses\": 1}");
        final StrictJson.Fields fields = new StrictJson.Fields(root, TOKEN_FIELDS);
        final String service = fields.requiredString("service");
        final long ttlSeconds = fields.optionalLong("ttlSeconds", DEFAULT_TOKEN_TTL.toSeconds());
        final int uses = fields.optionalInt("uses", 1);
        try {
            return new TokenRequest(ServiceName.of(service), Duration.ofSeconds(ttlSeconds), uses);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, requireNonNullElse(e.getMessage(), e.toString()));
        }
    }

    /** A join token as the admin API shows it; {@code token} only in the answer that made it. */
    public record TokenInfo(
            String id, @Nullable String token, ServiceName service, Instant expiresAt, int usesLeft, boolean revoked) {}

    public static byte[] writeToken(TokenInfo token) {
        return RegistryJson.write(tokenNode(JsonTrees.NODES.objectNode(), token));
    }

    public static TokenInfo parseToken(byte[] body) {
        return readToken(RegistryJson.readAnswer(body));
    }

    public static byte[] writeTokens(List<TokenInfo> tokens) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode array = root.putArray("tokens");
        tokens.forEach(token -> tokenNode(array.addObject(), token));
        return RegistryJson.write(root);
    }

    public static List<TokenInfo> parseTokens(byte[] body) {
        final List<TokenInfo> tokens = new ArrayList<>();
        for (JsonNode node : RegistryJson.readAnswer(body).path("tokens")) {
            tokens.add(readToken(node));
        }
        return tokens;
    }

    private static ObjectNode tokenNode(ObjectNode node, TokenInfo token) {
        node.put("id", token.id());
        if (token.token() != null) {
            node.put("token", token.token());
        }
        return node.put("service", token.service().value())
                .put("expiresAt", token.expiresAt().toString())
                .put("usesLeft", token.usesLeft())
                .put("revoked", token.revoked());
    }

    private static TokenInfo readToken(JsonNode node) {
        return new TokenInfo(
                node.path("id").asText(),
                node.hasNonNull("token") ? node.path("token").asText() : null,
                ServiceName.of(node.path("service").asText()),
                Instant.parse(node.path("expiresAt").asText()),
                node.path("usesLeft").asInt(),
                node.path("revoked").asBoolean());
    }

    // ---- /v1/admin/viewer-tokens

    private static final Set<String> VIEWER_TOKEN_FIELDS = Set.of("name", "ttlSeconds");

    /** An operator's request for a viewer token: a name for lists, and how long it may be used. */
    public record ViewerTokenRequest(String name, Duration ttl) {
        public ViewerTokenRequest {
            requireNonNull(name, "name");
            requireNonNull(ttl, "ttl");
        }
    }

    public static byte[] writeViewerTokenRequest(ViewerTokenRequest request) {
        return RegistryJson.write(JsonTrees.NODES
                .objectNode()
                .put("name", request.name())
                .put("ttlSeconds", request.ttl().toSeconds()));
    }

    public static ViewerTokenRequest parseViewerTokenRequest(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, "{\"name\": \"alice\", \"ttlSeconds\": 86400}");
        final StrictJson.Fields fields = new StrictJson.Fields(root, VIEWER_TOKEN_FIELDS);
        final String name = fields.requiredString("name");
        final long ttlSeconds =
                fields.optionalLong("ttlSeconds", Duration.ofHours(24).toSeconds());
        return new ViewerTokenRequest(name, Duration.ofSeconds(ttlSeconds));
    }

    /**
     * A viewer token as the admin API shows it; {@code token} only in the answer that made it.
     *
     * @param expired whether it is past its end now, by the registry's clock
     */
    public record ViewerTokenInfo(
            String id,
            @Nullable String token,
            String name,
            Instant createdAt,
            Instant expiresAt,
            boolean revoked,
            boolean expired) {}

    public static byte[] writeViewerToken(ViewerTokenInfo token) {
        return RegistryJson.write(viewerTokenNode(JsonTrees.NODES.objectNode(), token));
    }

    public static ViewerTokenInfo parseViewerToken(byte[] body) {
        return readViewerToken(RegistryJson.readAnswer(body));
    }

    public static byte[] writeViewerTokens(List<ViewerTokenInfo> tokens) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode array = root.putArray("tokens");
        tokens.forEach(token -> viewerTokenNode(array.addObject(), token));
        return RegistryJson.write(root);
    }

    public static List<ViewerTokenInfo> parseViewerTokens(byte[] body) {
        final List<ViewerTokenInfo> tokens = new ArrayList<>();
        for (JsonNode node : RegistryJson.readAnswer(body).path("tokens")) {
            tokens.add(readViewerToken(node));
        }
        return tokens;
    }

    private static ObjectNode viewerTokenNode(ObjectNode node, ViewerTokenInfo token) {
        node.put("id", token.id());
        if (token.token() != null) {
            node.put("token", token.token());
        }
        return node.put("name", token.name())
                .put("createdAt", token.createdAt().toString())
                .put("expiresAt", token.expiresAt().toString())
                .put("revoked", token.revoked())
                .put("expired", token.expired());
    }

    private static ViewerTokenInfo readViewerToken(JsonNode node) {
        return new ViewerTokenInfo(
                node.path("id").asText(),
                node.hasNonNull("token") ? node.path("token").asText() : null,
                node.path("name").asText(),
                Instant.parse(node.path("createdAt").asText()),
                Instant.parse(node.path("expiresAt").asText()),
                node.path("revoked").asBoolean(),
                node.path("expired").asBoolean());
    }

    // ---- POST /v1/admin/ca/rotate

    /** A CA rotation under way: which root signs from when, and when the old one leaves the trust bundle. */
    public record RotationInfo(String newRoot, Instant signsFrom, String oldRoot, Instant oldRootRetiresAt) {}

    public static byte[] writeRotation(RotationInfo rotation) {
        return RegistryJson.write(JsonTrees.NODES
                .objectNode()
                .put("newRoot", rotation.newRoot())
                .put("signsFrom", rotation.signsFrom().toString())
                .put("oldRoot", rotation.oldRoot())
                .put("oldRootRetiresAt", rotation.oldRootRetiresAt().toString()));
    }

    /**
     * The body of a rotation of registry replicas: the new root's certificate (PEM), which the operator made and
     * installed on every replica. One registry makes its new root itself and is sent an empty body.
     */
    public static byte[] writeRotateRequest(String certificatePem) {
        return RegistryJson.write(JsonTrees.NODES.objectNode().put("certificate", certificatePem));
    }

    /** The new root's certificate (PEM) of a rotation request, or {@code null} for an empty body. */
    public static @Nullable String parseRotateRequest(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        final ObjectNode root = StrictJson.readObject(body, "{\"certificate\": \"-----BEGIN CERTIFICATE-----...\"}");
        final String certificate =
                new StrictJson.Fields(root, java.util.Set.of("certificate")).requiredString("certificate");
        return certificate;
    }

    public static RotationInfo parseRotation(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        return new RotationInfo(
                root.path("newRoot").asText(),
                        Instant.parse(root.path("signsFrom").asText()),
                root.path("oldRoot").asText(),
                        Instant.parse(root.path("oldRootRetiresAt").asText()));
    }

    private IdentityJson() {}
}
