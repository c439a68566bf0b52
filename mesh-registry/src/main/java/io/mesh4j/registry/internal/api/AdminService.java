package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.tokens.JoinToken;
import io.mesh4j.registry.internal.tokens.JoinTokens;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * The operator's calls: {@code /v1/admin/tokens} to make, list and revoke join tokens,
 * {@code /v1/admin/ca/rotate} to rotate the CA, and {@code /v1/admin/revocations} to revoke certificates and list
 * the revocations. {@link Access#admin} guards them all.
 */
final class AdminService {

    private final CertificateAuthority ca;
    private final JoinTokens tokens;
    private final MeshTrust trust;

    AdminService(CertificateAuthority ca, JoinTokens tokens, MeshTrust trust) {
        this.ca = ca;
        this.tokens = tokens;
        this.trust = trust;
    }

    /**
     * {@code POST /v1/admin/revocations}: revokes a certificate by serial, or every certificate of a SPIFFE ID issued
     * up to now, and pushes it to every member.
     *
     * <p>The one place where a revocation happens in the registry. It is audited as {@code cert.revoke} (see
     * {@link Access#admin}), with what was revoked as the target.
     */
    HttpResponse revoke(ServiceRequestContext ctx, HttpRequest req) {
        // ?dryRun=true: checked as the revocation would be (404 for nothing in force to revoke), answered with the
        // revocation it would make (200, not 201), and nothing written or pushed.
        final boolean dryRun = DocumentService.dryRun(ctx);
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final TrustJson.RevokeRequest request =
                                    TrustJson.parseRevokeRequest(body.content().array());
                            final TrustJson.Revocation revocation;
                            try {
                                revocation = trust.revoke(request, dryRun);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            ctx.setAttr(
                                    AuditedCalls.TARGET,
                                    revocation.serial() != null
                                            ? "certificate " + revocation.serial() + " of " + revocation.spiffeId()
                                            : "every certificate of " + revocation.spiffeId() + " up to "
                                                    + revocation.notBeforeUpTo());
                            return HttpResponse.of(
                                    dryRun ? HttpStatus.OK : HttpStatus.CREATED,
                                    MediaType.JSON_UTF_8,
                                    TrustJson.writeRevocation(revocation));
                        },
                        ctx.blockingTaskExecutor()));
    }

    /** {@code GET /v1/admin/revocations}: the revocations in force, oldest first. */
    HttpResponse listRevocations(ServiceRequestContext ctx, HttpRequest req) {
        return JsonResponses.ok(TrustJson.writeRevocations(trust.revocations()));
    }

    HttpResponse createToken(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final IdentityJson.TokenRequest request = IdentityJson.parseTokenRequest(
                                    body.content().array());
                            final JoinTokens.NewToken made;
                            try {
                                made = tokens.create(request.service(), request.ttl(), request.uses());
                            } catch (IllegalArgumentException e) {
                                throw new InvalidInputException(
                                        ErrorCode.INVALID_FIELD, requireNonNullElse(e.getMessage(), e.toString()));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            final JoinToken token = made.token();
                            ctx.setAttr(AuditedCalls.TARGET, "token " + token.id() + " of service " + token.service());
                            return HttpResponse.of(
                                    HttpStatus.CREATED,
                                    MediaType.JSON_UTF_8,
                                    IdentityJson.writeToken(new IdentityJson.TokenInfo(
                                            token.id(),
                                            made.value(),
                                            token.service(),
                                            token.expiresAt(),
                                            token.usesLeft(),
                                            token.revoked())));
                        },
                        ctx.blockingTaskExecutor()));
    }

    HttpResponse listTokens(ServiceRequestContext ctx, HttpRequest req) {
        final List<IdentityJson.TokenInfo> infos = new ArrayList<>();
        for (JoinToken token : tokens.list()) {
            infos.add(new IdentityJson.TokenInfo(
                    token.id(), null, token.service(), token.expiresAt(), token.usesLeft(), token.revoked()));
        }
        return JsonResponses.ok(IdentityJson.writeTokens(infos));
    }

    HttpResponse revokeToken(ServiceRequestContext ctx, HttpRequest req) {
        final String id = ctx.pathParam("id");
        return HttpResponse.of(CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return tokens.revoke(id)
                                ? JsonResponses.ok("{\"revoked\":true}".getBytes(StandardCharsets.UTF_8))
                                : JsonResponses.error(ErrorCode.NOT_FOUND, "no join token " + id);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                ctx.blockingTaskExecutor()));
    }

    /**
     * {@code POST /v1/admin/ca/rotate}. One registry makes its new root itself (empty body). Registry replicas are
     * given it: {@code {"certificate": PEM}}, a root the operator installed on every replica; it is refused (409,
     * naming them) while a live replica holds no key for it.
     */
    HttpResponse rotateCa(ServiceRequestContext ctx, HttpRequest req) {
        // ?dryRun=true: the same checks (no rotation under way, every replica holds the key) and the answer the
        // rotation would give; nothing is generated, saved or published.
        final boolean dryRun = DocumentService.dryRun(ctx);
        return HttpResponse.of(req.aggregate()
                .thenApplyAsync(
                        body -> {
                            final @Nullable String pem = IdentityJson.parseRotateRequest(
                                    body.content().array());
                            try {
                                final CertificateAuthority.Rotation rotation;
                                if (trust.isShared()) {
                                    rotation = trust.rotateTo(sharedRoot(pem), dryRun);
                                } else if (pem != null) {
                                    throw new InvalidInputException(
                                            ErrorCode.INVALID_FIELD,
                                            "certificate: a single registry makes its new root itself; rotate "
                                                    + "without one (meshctl ca rotate without --cert)");
                                } else if (dryRun) {
                                    rotation = ca.planRotation();
                                } else {
                                    rotation = ca.rotate();
                                    // Members trust the new root from now on, not from their next renewal.
                                    trust.publish();
                                }
                                return JsonResponses.ok(IdentityJson.writeRotation(new IdentityJson.RotationInfo(
                                        rotation.newRoot(),
                                        rotation.signsFrom(),
                                        rotation.oldRoot(),
                                        rotation.oldRootRetiresAt())));
                            } catch (IllegalStateException e) {
                                return JsonResponses.error(
                                        ErrorCode.CONFLICT, requireNonNullElse(e.getMessage(), e.toString()));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        },
                        ctx.blockingTaskExecutor()));
    }

    /** The new root a rotation of replicas names: required, and one certificate. */
    private static X509Certificate sharedRoot(@Nullable String pem) {
        if (pem == null) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "certificate: this registry is one of several replicas over etcd, which rotate to a root the "
                            + "operator made and installed on each (meshctl ca new-root, meshctl ca install); give it: "
                            + "meshctl ca rotate --cert ROOT.crt");
        }
        final List<X509Certificate> certificates;
        try {
            certificates = Pem.readCertificates(pem);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, "certificate: " + e.getMessage());
        }
        if (certificates.size() != 1) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "certificate: " + certificates.size() + " certificates in PEM (expected: the new root alone)");
        }
        return certificates.get(0);
    }
}
