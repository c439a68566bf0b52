package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.kubernetes.Review;
import io.mesh4j.registry.internal.kubernetes.TokenReviewer;
import io.mesh4j.registry.internal.tokens.JoinToken;
import io.mesh4j.registry.internal.tokens.JoinTokens;
import io.mesh4j.registry.internal.tokens.TokenRefusedException;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * {@code POST /v1/identity/csr} and {@code GET /v1/identity/trust-bundle}: the registry as certificate authority.
 *
 * <p>A CSR is signed only for {@code spiffe://<trust-domain>/svc/<service>}, and only when the caller proves a
 * right to that service: the first time with a join token bound to it (or, on Kubernetes, a service-account token
 * that the rule maps to it), afterwards with its current certificate
 * for the same identity. The endpoint is open to anyone who reaches the port, so it spends as little as it can on
 * strangers, in this order:
 *
 * <ol>
 *   <li>a token bucket per source address ({@link SourceRateLimit}): 429 with {@code Retry-After};</li>
 *   <li>a body of at most {@link #MAX_BODY_BYTES}: 413;</li>
 *   <li>who asks, before the CSR is read: a join token that is valid now, a Kubernetes service-account token the
 *       API server vouches for (when the registry takes them), or a client certificate: 401;</li>
 *   <li>the CSR, its key first (only {@link CertificateRequests#ALLOWED_KEYS}), then its signature: 400;</li>
 *   <li>whether that caller may have that identity: 403;</li>
 *   <li>the certificate, and with a join token the token's use, under the tokens' lock: a use is spent only for a
 *       certificate issued, and two requests with a token's last use get one certificate between them.</li>
 * </ol>
 */
final class IdentityService {

    /**
     * The largest certificate request body: a CSR with an RSA key of 4,096 bits is under 2 KiB in PEM, with its
     * join token; anything much larger is not a certificate request.
     */
    static final int MAX_BODY_BYTES = 8 * 1024;

    private static final Logger logger = LoggerFactory.getLogger(IdentityService.class);

    private final CertificateAuthority ca;
    private final JoinTokens tokens;
    private final MeshTrust trust;
    private final Access access;
    private final SourceRateLimit limit;
    private final @Nullable TokenReviewer reviewer;

    IdentityService(
            CertificateAuthority ca,
            JoinTokens tokens,
            MeshTrust trust,
            Access access,
            SourceRateLimit limit,
            @Nullable TokenReviewer reviewer) {
        this.ca = ca;
        this.tokens = tokens;
        this.trust = trust;
        this.access = access;
        this.limit = limit;
        this.reviewer = reviewer;
    }

    HttpResponse trustBundle(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(MediaType.parse("application/x-pem-file"), Pem.write(ca.trustBundle()));
    }

    HttpResponse csr(ServiceRequestContext ctx, HttpRequest req) {
        final @Nullable InetAddress source = ctx.remoteAddress().getAddress();
        if (source != null) {
            final Duration wait = limit.acquire(source);
            if (!wait.isZero()) {
                return rateLimited(source, wait);
            }
        }
        ctx.setMaxRequestLength(MAX_BODY_BYTES);
        // Redeeming a token writes to disk, and checking a CSR's signature is work: off the event loop.
        return HttpResponse.of(
                req.aggregate().handleAsync((body, cause) -> answer(ctx, body, cause), ctx.blockingTaskExecutor()));
    }

    private HttpResponse answer(
            ServiceRequestContext ctx, @Nullable AggregatedHttpRequest body, @Nullable Throwable cause) {
        if (cause != null || body == null) {
            final Throwable peeled =
                    cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            if (peeled instanceof ContentTooLargeException) {
                return access.refuse(ErrorCode.BODY_TOO_LARGE, bodyTooLarge());
            }
            return HttpResponse.ofFailure(requireNonNullElse(peeled, new IllegalStateException("no body")));
        }
        final byte[] content = body.content().array();
        // Who asks, before what is asked is read: a stranger learns nothing about its CSR, and costs no parsing.
        final @Nullable String token = IdentityJson.tokenOf(content);
        final @Nullable String serviceAccountToken = token == null ? IdentityJson.serviceAccountTokenOf(content) : null;
        if (serviceAccountToken != null) {
            return joinAsServiceAccount(ctx, content, serviceAccountToken);
        }
        final @Nullable JoinToken joinToken;
        final @Nullable SpiffeId caller;
        if (token != null) {
            try {
                joinToken = tokens.check(token);
            } catch (TokenRefusedException e) {
                return access.refuse(ErrorCode.INVALID_TOKEN, e.getMessage());
            }
            caller = null;
        } else {
            joinToken = null;
            caller = MeshIdentity.peer(ctx);
            if (caller == null) {
                return access.refuse(
                        ErrorCode.UNAUTHENTICATED,
                        "a certificate request needs a join token the first time (\"token\" in the body), and the "
                                + "current client certificate after; the request had neither");
            }
        }
        final AskedIdentity asked;
        try {
            asked = AskedIdentity.read(content, ca.trustDomain());
        } catch (AskedIdentity.Refused e) {
            return access.refuse(e.code, requireNonNullElse(e.getMessage(), e.code.wireName()));
        }
        final CertificateRequests.CheckedRequest csr = asked.csr();
        final SpiffeId requested = asked.id();
        final ServiceName service = asked.service();
        final List<X509Certificate> chain;
        final String how;
        if (joinToken != null && token != null) {
            if (!joinToken.service().equals(service)) {
                return access.refuse(
                        ErrorCode.FORBIDDEN,
                        "join token " + joinToken.id() + " is for service " + joinToken.service()
                                + "; it cannot get a certificate for " + service);
            }
            try {
                // Checked again under the tokens' lock: another request may have taken the last use meanwhile.
                chain = tokens.redeem(token, known -> issue(csr, requested));
            } catch (TokenRefusedException e) {
                return access.refuse(ErrorCode.INVALID_TOKEN, e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            how = "join token " + joinToken.id();
        } else {
            if (caller == null || !caller.equals(requested)) {
                return access.refuse(
                        ErrorCode.FORBIDDEN,
                        "the caller " + caller + " may renew only its own identity, not " + requested);
            }
            final @Nullable String revoked = access.revocationOf(ctx, caller);
            if (revoked != null) {
                return access.refuse(
                        ErrorCode.REVOKED,
                        revoked + ": a revoked certificate cannot be renewed. To bring the workload back, ask the "
                                + "operator for a new join token (meshctl token create --service " + service
                                + ") and restart the workload with it; it then gets a new certificate");
            }
            chain = issue(csr, requested);
            how = "renewal";
        }
        return issued(requested, chain, how);
    }

    private HttpResponse issued(SpiffeId requested, List<X509Certificate> chain, String how) {
        final X509Certificate leaf = chain.get(0);
        logger.info("issued {} until {} ({})", requested, leaf.getNotAfter().toInstant(), how);
        return JsonResponses.ok(IdentityJson.writeCsrAnswer(new IdentityJson.CsrAnswer(
                requested.toString(),
                Pem.write(chain),
                Pem.write(ca.trustBundle()),
                leaf.getNotAfter().toInstant())));
    }

    /**
     * A first certificate for a pod that proves itself with its Kubernetes service-account token: the API server
     * says whose token it is, the rule says which service that account is, and the CSR must ask for that service.
     * Nothing is spent: every pod of a deployment joins with its own token.
     */
    private HttpResponse joinAsServiceAccount(ServiceRequestContext ctx, byte[] content, String serviceAccountToken) {
        final @Nullable TokenReviewer reviewer = this.reviewer;
        if (reviewer == null) {
            return access.refuse(
                    ErrorCode.UNAUTHENTICATED,
                    "this registry does not take Kubernetes service-account tokens (the operator turns it on with "
                            + "--kubernetes-token-review); join with a join token instead (meshctl token create "
                            + "--service <service>)");
        }
        return HttpResponse.of(reviewer.review(serviceAccountToken)
                .handleAsync((review, cause) -> afterReview(content, review), ctx.blockingTaskExecutor()));
    }

    private HttpResponse afterReview(byte[] content, Review review) {
        if (review instanceof Review.Refused refused) {
            return access.refuse(refused.code(), refused.message());
        }
        final Review.Admitted admitted = (Review.Admitted) review;
        final AskedIdentity asked;
        try {
            asked = AskedIdentity.read(content, ca.trustDomain());
        } catch (AskedIdentity.Refused e) {
            return access.refuse(e.code, requireNonNullElse(e.getMessage(), e.code.wireName()));
        }
        if (!asked.service().equals(admitted.service())) {
            return access.refuse(
                    ErrorCode.FORBIDDEN,
                    admitted.describe() + " joins as service " + admitted.service() + "; it cannot get a "
                            + "certificate for " + asked.service());
        }
        final List<X509Certificate> chain = issue(asked.csr(), asked.id());
        return issued(asked.id(), chain, admitted.describe());
    }

    /**
     * Signs {@code csr} and records the certificate among those issued (what revocation by serial looks up). Under a
     * join token this runs under the tokens' lock: if the record cannot be written, the token keeps its use and the
     * certificate is never handed out.
     */
    private List<X509Certificate> issue(CertificateRequests.CheckedRequest csr, SpiffeId requested) {
        final List<X509Certificate> chain;
        try {
            chain = ca.issueWorkload(csr.publicKey(), requested, trust.issueTime(requested));
        } catch (IllegalStateException e) {
            // The CA cannot sign here (a replica without the key of the root signing for the mesh): the workload
            // tries again, another replica if it knows one, and the message says which root to install.
            throw new InvalidInputException(ErrorCode.UNAVAILABLE, requireNonNullElse(e.getMessage(), e.toString()));
        }
        try {
            trust.issued(chain.get(0), requested);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return chain;
    }

    /** Why a body over {@link #MAX_BODY_BYTES} is refused; Armeria answers it, through the JSON error handler. */
    static String bodyTooLarge() {
        return "a certificate request is at most " + MAX_BODY_BYTES / 1024 + " KiB (expected: "
                + "{\"csr\": \"<PEM of one CSR>\", \"token\": \"<join token>\"})";
    }

    private HttpResponse rateLimited(InetAddress source, Duration wait) {
        final long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        final String message = "too many certificate requests from " + source.getHostAddress() + " (limit: " + limit
                + "); try again in " + seconds + " s";
        access.refuse(ErrorCode.RATE_LIMITED, message);
        return HttpResponse.of(
                ResponseHeaders.builder(ErrorCode.RATE_LIMITED.status())
                        .contentType(MediaType.JSON_UTF_8)
                        .set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds))
                        .build(),
                HttpData.wrap(RegistryJson.writeError(ErrorBody.of(ErrorCode.RATE_LIMITED, message))));
    }
}
