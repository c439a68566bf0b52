package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.tokens.JoinToken;
import io.mesh4j.registry.internal.tokens.JoinTokens;
import io.mesh4j.registry.internal.tokens.TokenRefusedException;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * {@code POST /v1/identity/csr} and {@code GET /v1/identity/trust-bundle}: the registry as certificate authority.
 *
 * <p>A CSR is signed only for {@code spiffe://<trust-domain>/svc/<service>}, and only when the caller proves a
 * right to that service: the first time with a join token bound to it, afterwards with its current certificate
 * for the same identity. Nothing is issued (and no token use spent) unless every check passes.
 */
final class IdentityService {

    private static final Logger logger = LoggerFactory.getLogger(IdentityService.class);

    private final CertificateAuthority ca;
    private final JoinTokens tokens;
    private final MeshTrust trust;
    private final Access access;

    IdentityService(CertificateAuthority ca, JoinTokens tokens, MeshTrust trust, Access access) {
        this.ca = ca;
        this.tokens = tokens;
        this.trust = trust;
        this.access = access;
    }

    HttpResponse trustBundle(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(MediaType.parse("application/x-pem-file"), Pem.write(ca.trustBundle()));
    }

    HttpResponse csr(ServiceRequestContext ctx, HttpRequest req) {
        // Redeeming a token writes to disk: off the event loop.
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> issue(
                                ctx, IdentityJson.parseCsrRequest(body.content().array())),
                        ctx.blockingTaskExecutor()));
    }

    private HttpResponse issue(ServiceRequestContext ctx, IdentityJson.CsrRequest request) {
        final CertificateRequests.CheckedRequest csr;
        try {
            csr = CertificateRequests.check(request.csr());
        } catch (IllegalArgumentException e) {
            return access.refuse(ErrorCode.INVALID_CSR, requireNonNullElse(e.getMessage(), e.toString()));
        }
        final SpiffeId requested = csr.requestedId();
        if (!requested.trustDomain().equals(ca.trustDomain())) {
            return access.refuse(
                    ErrorCode.FORBIDDEN,
                    "the certificate request asks for " + requested + ", outside this registry's trust domain "
                            + ca.trustDomain());
        }
        final @Nullable ServiceName service = requested.service().orElse(null);
        if (service == null) {
            return access.refuse(
                    ErrorCode.FORBIDDEN,
                    "the certificate request asks for " + requested + "; workloads "
                            + "are issued spiffe://" + ca.trustDomain()
                            + "/svc/<service> only");
        }
        final String how;
        final @Nullable String token = request.token();
        if (token != null) {
            final JoinToken known;
            try {
                known = tokens.check(token);
                if (!known.service().equals(service)) {
                    return access.refuse(
                            ErrorCode.FORBIDDEN,
                            "join token " + known.id() + " is for service "
                                    + known.service() + "; it cannot get a certificate "
                                    + "for " + service);
                }
                tokens.redeem(token);
            } catch (TokenRefusedException e) {
                return access.refuse(ErrorCode.INVALID_TOKEN, e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            how = "join token " + known.id();
        } else {
            final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
            if (caller == null) {
                return access.refuse(
                        ErrorCode.UNAUTHENTICATED,
                        "a certificate request needs a join token the first "
                                + "time, and the current client certificate after");
            }
            if (!caller.equals(requested)) {
                return access.refuse(
                        ErrorCode.FORBIDDEN,
                        "the caller " + caller + " may renew only its own " + "identity, not " + requested);
            }
            final @Nullable String revoked = access.revocationOf(ctx, caller);
            if (revoked != null) {
                return access.refuse(
                        ErrorCode.REVOKED,
                        revoked + ": a revoked certificate cannot be renewed. To bring the workload back, ask the "
                                + "operator for a new join token (meshctl token create --service " + service
                                + ") and restart the workload with it; it then gets a new certificate");
            }
            how = "renewal";
        }
        final List<X509Certificate> chain = ca.issueWorkload(csr.publicKey(), requested, trust.issueTime(requested));
        final X509Certificate leaf = chain.get(0);
        try {
            trust.issued(leaf, requested);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        logger.info("issued {} until {} ({})", requested, leaf.getNotAfter().toInstant(), how);
        return JsonResponses.ok(IdentityJson.writeCsrAnswer(new IdentityJson.CsrAnswer(
                requested.toString(),
                Pem.write(chain),
                Pem.write(ca.trustBundle()),
                leaf.getNotAfter().toInstant())));
    }
}
