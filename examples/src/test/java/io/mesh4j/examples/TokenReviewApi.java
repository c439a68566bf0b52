package io.mesh4j.examples;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;

/**
 * The TokenReview endpoint of a Kubernetes API server, the closest real-HTTP stand-in this machine can run (no API
 * server can): HTTPS with a certificate of its own, the registry's bearer token checked as RBAC would, and for each
 * token the answer a real API server gives, in its wire format (recorded from the Kubernetes reference: an
 * authenticated service account, a token it does not authenticate, a token for another audience, a user that is no
 * service account; and the 403 Status it answers a caller without create on tokenreviews).
 */
final class TokenReviewApi implements AutoCloseable {

    static final String AUDIENCE = "mesh4j";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile String registryCredential;

    private TokenReviewApi(File certificate, File key, String registryCredential) {
        this.registryCredential = registryCredential;
        server = Server.builder()
                .https(0)
                .tls(certificate, key)
                .service(
                        "/apis/authentication.k8s.io/v1/tokenreviews",
                        (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(body -> {
                            calls.incrementAndGet();
                            final String authorization = req.headers().get("authorization", "");
                            if (!authorization.equals("Bearer " + this.registryCredential)) {
                                return HttpResponse.of(HttpStatus.FORBIDDEN, MediaType.JSON_UTF_8, forbidden());
                            }
                            return HttpResponse.of(
                                    HttpStatus.CREATED, MediaType.JSON_UTF_8, review(body.contentUtf8()));
                        })))
                .build();
        server.start().join();
    }

    /** Serves on an ephemeral port with {@code certificate}, answering only a caller with {@code credential}. */
    static TokenReviewApi start(File certificate, File key, String credential) {
        return new TokenReviewApi(certificate, key, credential);
    }

    URI uri() {
        return URI.create("https://localhost:" + server.activeLocalPort());
    }

    /** The bearer token the API server accepts from the registry from now on (a grant, or a revoked one). */
    void acceptRegistryCredential(String credential) {
        registryCredential = credential;
    }

    /** {@code token} is the projected token (audience mesh4j) of service account {@code namespace/account}. */
    void serviceAccount(String token, String namespace, String account) {
        tokens.put(token, new Token("system:serviceaccount:" + namespace + ':' + account, AUDIENCE));
    }

    /** {@code token} is a token of {@code user} for {@code audience}, which it authenticates (kubectl's, say). */
    void authenticatedFor(String token, String user, String audience) {
        tokens.put(token, new Token(user, audience));
    }

    /** TokenReview calls so far, refused ones too. */
    int calls() {
        return calls.get();
    }

    private String review(String request) {
        final JsonNode spec;
        try {
            spec = JSON.readTree(request).path("spec");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final Token token = tokens.get(spec.path("token").asText());
        if (token == null) {
            // What an API server answers for a token it did not issue, or one expired or bound to a deleted pod.
            return status("{\"user\":{},\"error\":\"[invalid bearer token, square/go-jose: error in cryptographic "
                    + "primitive, token lookup failed]\"}");
        }
        final String asked = spec.path("audiences").path(0).asText();
        if (!asked.equals(token.audience)) {
            // A valid token asked about for an audience it is not for: unauthenticated, and the error says why.
            return status("{\"user\":{},\"error\":\"[invalid bearer token, token audiences [\\\"" + token.audience
                    + "\\\"] is invalid for the target audiences [\\\"" + asked + "\\\"]]\"}");
        }
        return status(authenticated(token.user, token.audience));
    }

    private record Token(String user, String audience) {}

    private static String authenticated(String user, String audience) {
        return "{\"authenticated\":true,\"user\":{\"username\":\"" + user + "\",\"uid\":\"8c4c3a3e-0d1f-4a55-9d1e-"
                + "6a1b2c3d4e5f\",\"groups\":[\"system:serviceaccounts\",\"system:authenticated\"]},"
                + "\"audiences\":[\"" + audience + "\"]}";
    }

    private static String status(String status) {
        return "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":"
                + "{\"creationTimestamp\":null},\"spec\":{},\"status\":" + status + '}';
    }

    private static String forbidden() {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + "\"tokenreviews.authentication.k8s.io is forbidden: User \\\"system:serviceaccount:mesh:registry\\\" "
                + "cannot create resource \\\"tokenreviews\\\" in API group \\\"authentication.k8s.io\\\" at the "
                + "cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"group\":\"authentication.k8s.io\","
                + "\"kind\":\"tokenreviews\"},\"code\":403}";
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
