package io.mesh4j.registry.internal.kubernetes;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.registry.KubernetesTokenReview;

/**
 * Asks the Kubernetes API server who a service-account token belongs to ({@code POST
 * /apis/authentication.k8s.io/v1/tokenreviews}, with the audience the rule wants), and maps the answer by the rule.
 *
 * <p>One HTTP call, made with Armeria like every other call of the registry rather than with a Kubernetes client
 * library: a TokenReview is a single create, and the registry then carries no second HTTP stack for it. Whatever
 * the API server answers, the workload gets a clear answer: 401 for a token it does not authenticate or that is
 * for another audience, 403 for an account the rule does not admit, and 503 (it keeps trying) when the API server
 * cannot be asked or refuses the registry itself.
 */
public final class TokenReviewer implements AutoCloseable {

    static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final String ACCOUNT_PREFIX = "system:serviceaccount:";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesTokenReview rule;
    private final ClientFactory factory;
    private final WebClient client;

    private TokenReviewer(KubernetesTokenReview rule) {
        this.rule = rule;
        final Optional<Path> ca = rule.caFile();
        factory = ClientFactory.builder()
                .tlsCustomizer(tls -> ca.ifPresent(file -> tls.trustManager(file.toFile())))
                .build();
        client = WebClient.builder(rule.apiServer())
                .factory(factory)
                .responseTimeout(TIMEOUT)
                .build();
    }

    /** A reviewer that asks the API server of {@code rule}; {@link #close()} it with the registry. */
    public static TokenReviewer of(KubernetesTokenReview rule) {
        return new TokenReviewer(requireNonNull(rule, "rule"));
    }

    /** What {@code token} proves, by the API server's TokenReview and the rule; never completes exceptionally. */
    public CompletableFuture<Review> review(String token) {
        final RequestHeaders headers;
        try {
            headers = headers();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(new Review.Refused(
                    ErrorCode.UNAVAILABLE,
                    "the registry cannot read its own credentials for the Kubernetes API server (" + e.getMessage()
                            + "); the operator must fix the registry's service-account token"));
        }
        final ObjectNode body = JSON.createObjectNode()
                .put("apiVersion", "authentication.k8s.io/v1")
                .put("kind", "TokenReview");
        final ObjectNode spec = body.putObject("spec").put("token", token);
        spec.putArray("audiences").add(rule.audience());
        final byte[] content;
        try {
            content = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return client.execute(HttpRequest.of(headers, HttpData.wrap(content)))
                .aggregate()
                .handle((answer, cause) -> cause != null ? unreachable(Exceptions.peel(cause)) : read(answer));
    }

    private RequestHeaders headers() throws IOException {
        final RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, PATH)
                .contentType(MediaType.JSON_UTF_8)
                .build();
        final Optional<Path> credentials = rule.credentialsFile();
        if (credentials.isEmpty()) {
            return headers;
        }
        final String bearer =
                Files.readString(credentials.get(), StandardCharsets.US_ASCII).strip();
        return headers.toBuilder()
                .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + bearer)
                .build();
    }

    private Review unreachable(Throwable cause) {
        return new Review.Refused(
                ErrorCode.UNAVAILABLE,
                "the registry cannot ask the Kubernetes API server at " + rule.apiServer()
                        + " about the service-account token now (" + cause + "); try again later");
    }

    private Review read(AggregatedHttpResponse answer) {
        final int status = answer.status().code();
        if (status == 401 || status == 403) {
            return new Review.Refused(
                    ErrorCode.UNAVAILABLE,
                    "the Kubernetes API server refuses the registry's token review (HTTP " + status + ": "
                            + message(answer) + "): the registry's service account needs create on "
                            + "tokenreviews.authentication.k8s.io (a ClusterRole); try again once the operator "
                            + "granted it");
        }
        if (status != 200 && status != 201) {
            return new Review.Refused(
                    ErrorCode.UNAVAILABLE,
                    "the Kubernetes API server answered the token review with HTTP " + status + " (" + message(answer)
                            + "); try again later");
        }
        final JsonNode reviewStatus;
        try {
            reviewStatus = JSON.readTree(answer.content().array()).path("status");
        } catch (IOException e) {
            return new Review.Refused(
                    ErrorCode.UNAVAILABLE,
                    "the Kubernetes API server answered the token review with something that is not JSON; try "
                            + "again later");
        }
        if (!reviewStatus.path("authenticated").asBoolean(false)) {
            final String error = reviewStatus.path("error").asText("");
            return new Review.Refused(
                    ErrorCode.INVALID_TOKEN,
                    "the Kubernetes API server does not accept the service-account token"
                            + (error.isEmpty() ? "" : " (" + error + ')')
                            + ": expected a current projected token with audience " + rule.audience()
                            + ", from the pod's serviceAccountToken volume");
        }
        final List<String> audiences = new ArrayList<>();
        reviewStatus.path("audiences").forEach(audience -> audiences.add(audience.asText()));
        if (!audiences.isEmpty() && !audiences.contains(rule.audience())) {
            return new Review.Refused(
                    ErrorCode.INVALID_TOKEN,
                    "the service-account token is for " + audiences + ", not for " + rule.audience()
                            + ": mount a projected token with audience: " + rule.audience());
        }
        final String user = reviewStatus.path("user").path("username").asText("");
        final String[] parts = user.startsWith(ACCOUNT_PREFIX)
                ? user.substring(ACCOUNT_PREFIX.length()).split(":", -1)
                : new String[0];
        if (parts.length != 2) {
            return new Review.Refused(
                    ErrorCode.FORBIDDEN,
                    "the token is " + user + ", not a service account's; only pods join with a token");
        }
        final String namespace = parts[0];
        final String account = parts[1];
        final @Nullable ServiceName service = rule.serviceOf(namespace, account).orElse(null);
        if (service == null) {
            return new Review.Refused(
                    ErrorCode.FORBIDDEN,
                    "service account " + namespace + '/' + account + " may not join this mesh (the registry "
                            + "admits " + admits() + "): the operator admits it with --kubernetes-namespaces "
                            + namespace + " (as the service " + account + ") or --kubernetes-account "
                            + namespace + '/' + account + "=<service>");
        }
        return new Review.Admitted(service, namespace, account);
    }

    private String admits() {
        final String text = rule.toString();
        final int cut = text.indexOf(", audience ");
        return cut < 0 ? text : text.substring(0, cut);
    }

    private static String message(AggregatedHttpResponse answer) {
        try {
            final String message =
                    JSON.readTree(answer.content().array()).path("message").asText("");
            if (!message.isEmpty()) {
                return message;
            }
        } catch (IOException e) {
            // Not a Kubernetes Status: the text says what it can.
        }
        final String text = answer.contentUtf8().strip();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    @Override
    public void close() {
        factory.close();
    }
}
