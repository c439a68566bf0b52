package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.SessionPeer;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.registry.internal.audit.AuditLog;
import io.mesh4j.registry.internal.tokens.AdminToken;
import io.mesh4j.registry.internal.tokens.ViewerToken;
import io.mesh4j.registry.internal.tokens.ViewerTokens;
import io.mesh4j.registry.internal.trust.MeshTrust;

/**
 * Who may call what. With TLS, a caller is known by the SPIFFE ID its client certificate proves (the handshake
 * has verified the chain already) or by the admin token; without TLS ({@code --plaintext}) everybody may call
 * everything, as the operator chose.
 *
 * <ul>
 *   <li>an instance of a service is registered, renewed and removed only by that service's workloads;</li>
 *   <li>reads (services, watches) need a mesh certificate;</li>
 *   <li>a certificate the operator revoked may do none of it (403 {@code revoked}, saying how to rejoin);</li>
 *   <li>the viewer token, and the viewer tokens the operator made while in force, may read the golden metrics and
 *       the dashboard's stream, nothing else; an expired or revoked one is a 401 that says so;</li>
 *   <li>the admin token may do all of it, and the admin calls.</li>
 * </ul>
 *
 * <p>Every admin call, and every write made with the admin token, is in the audit log with its caller and what
 * came of it, refusals included.
 */
public final class Access {

    /** The caller of a plaintext registry, for the audit log: nobody is authenticated. */
    static final String ANYONE = "anyone (plaintext registry)";

    /** What a revoked workload must do, said with every refusal of it. */
    static final String REJOIN = "to bring the workload back, ask the operator for a new join token (meshctl token "
            + "create --service <service>) and restart the workload with it";

    private final @Nullable AdminToken adminToken;
    private final @Nullable ViewerToken viewerToken;
    private final @Nullable ViewerTokens viewerTokens;
    private final @Nullable MeshTrust trust;
    private final AuditedCalls audited;
    private final RefusalLog refusals = new RefusalLog("registry");

    private Access(
            @Nullable AdminToken adminToken,
            @Nullable ViewerToken viewerToken,
            @Nullable ViewerTokens viewerTokens,
            @Nullable MeshTrust trust,
            AuditLog audit) {
        this.adminToken = adminToken;
        this.viewerToken = viewerToken;
        this.viewerTokens = viewerTokens;
        this.trust = trust;
        audited = new AuditedCalls(audit);
    }

    /** Everybody may call everything: a plaintext registry. Admin calls are still audited. */
    public static Access open(AuditLog audit) {
        return new Access(null, null, null, null, requireNonNull(audit, "audit"));
    }

    /**
     * Callers prove themselves with a certificate of the mesh that {@code trust} has not revoked, or with
     * {@code adminToken}; every admin call goes to {@code audit}.
     */
    public static Access secured(AdminToken adminToken, AuditLog audit, MeshTrust trust) {
        return new Access(
                requireNonNull(adminToken, "adminToken"),
                null,
                null,
                requireNonNull(trust, "trust"),
                requireNonNull(audit, "audit"));
    }

    /**
     * As {@link #secured(AdminToken, AuditLog, MeshTrust)}, and {@code viewerToken} (the registry's own, which does
     * not expire) and {@code viewerTokens} in force (made by the operator, each with an end) may call {@link #viewer}
     * reads.
     */
    public static Access secured(
            AdminToken adminToken,
            ViewerToken viewerToken,
            ViewerTokens viewerTokens,
            AuditLog audit,
            MeshTrust trust) {
        return new Access(
                requireNonNull(adminToken, "adminToken"),
                requireNonNull(viewerToken, "viewerToken"),
                requireNonNull(viewerTokens, "viewerTokens"),
                requireNonNull(trust, "trust"),
                requireNonNull(audit, "audit"));
    }

    /**
     * Why the certificate {@code ctx}'s caller presented, of {@code caller}, is revoked; null when it is not. The
     * registry's handshake takes revoked certificates (client certificates are optional there), so that a revoked
     * workload is told why, in words, rather than failing a handshake.
     */
    @Nullable
    String revocationOf(ServiceRequestContext ctx, SpiffeId caller) {
        return revocationOf(SessionPeer.of(ctx), caller);
    }

    private @Nullable String revocationOf(SessionPeer peer, SpiffeId caller) {
        final @Nullable MeshTrust trust = this.trust;
        // The certificate the session's handshake proved, read once per session (SessionPeer) rather than the
        // chain copied out of the session on every request.
        final @Nullable X509Certificate leaf = peer.leaf();
        return trust != null && leaf != null ? trust.revocationOf(leaf, caller) : null;
    }

    boolean isOpen() {
        return adminToken == null;
    }

    /**
     * Only a workload of the path's {@code {service}}, or the operator; what the operator does here is audited as
     * {@code action}.
     */
    HttpService serviceWorkload(String action, HttpService service) {
        return serviceWorkload(action, "register, renew and remove only instances of its own service", service);
    }

    /**
     * Only a workload of the path's {@code {service}}, or the operator, as {@link #serviceWorkload(String,
     * HttpService)}; a workload of another service is told it may {@code mayOnly}, "not of" the path's service.
     *
     * @param mayOnly what a workload may do here, such as {@code "lease shares only of its own service's quotas"}
     */
    HttpService serviceWorkload(String action, String mayOnly, HttpService service) {
        return (ctx, req) -> {
            if (isOpen()) {
                return service.serve(ctx, req);
            }
            if (isAdmin(ctx)) {
                return audited.serve(ctx, req, action, Access::instanceTarget, adminCaller(), service);
            }
            // Who the caller is, read once per TLS session: its ID, its service and its certificate.
            final SessionPeer peer = SessionPeer.of(ctx);
            final @Nullable SpiffeId caller = peer.id();
            if (caller == null) {
                return unauthenticated(ctx);
            }
            final @Nullable String revoked = revocationOf(peer, caller);
            if (revoked != null) {
                return refuse(ErrorCode.REVOKED, revoked + "; " + REJOIN);
            }
            final ServiceName target = PathNames.service(ctx);
            if (!target.equals(peer.service())) {
                return refuse(ErrorCode.FORBIDDEN, "the caller " + caller + " may " + mayOnly + ", not of " + target);
            }
            return service.serve(ctx, req);
        };
    }

    /** Any workload of the mesh, or the operator. */
    HttpService member(HttpService service) {
        return member(service, false);
    }

    private HttpService member(HttpService service, boolean viewerMayRead) {
        return (ctx, req) -> {
            if (isOpen() || isAdmin(ctx)) {
                return service.serve(ctx, req);
            }
            final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
            if (caller == null) {
                return viewerMayRead ? unauthenticatedViewer(ctx) : unauthenticated(ctx);
            }
            final @Nullable String revoked = revocationOf(ctx, caller);
            if (revoked != null) {
                return refuse(ErrorCode.REVOKED, revoked + "; " + REJOIN);
            }
            return service.serve(ctx, req);
        };
    }

    /**
     * A read that the viewer token may make too (the golden metrics, the dashboard's stream), besides any workload
     * of the mesh and the operator.
     */
    HttpService viewer(HttpService service) {
        final HttpService member = member(service, true);
        return (ctx, req) -> {
            final @Nullable String authorization = ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION);
            final @Nullable ViewerToken viewerToken = this.viewerToken;
            if (viewerToken != null && viewerToken.matches(authorization)) {
                return service.serve(ctx, req);
            }
            final @Nullable ViewerTokens viewerTokens = this.viewerTokens;
            if (viewerTokens != null && !isOpen()) {
                final ViewerTokens.Check check = viewerTokens.check(authorization);
                if (check instanceof ViewerTokens.Valid) {
                    return service.serve(ctx, req);
                }
                if (check instanceof ViewerTokens.Refused refused) {
                    return refuse(ErrorCode.UNAUTHENTICATED, refused.reason());
                }
            }
            return member.serve(ctx, req);
        };
    }

    /**
     * The operator only: the call is audited as {@code action} on {@code target}, refusals included.
     *
     * @param action {@code <noun>.<verb>}, such as {@code routes.put}
     * @param target what the call acts on, from its path; the call may name it better in
     *     {@link AuditedCalls#TARGET}
     */
    HttpService admin(String action, Function<ServiceRequestContext, String> target, HttpService service) {
        return (ctx, req) -> {
            if (isOpen()) {
                return audited.serve(ctx, req, action, target, ANYONE, service);
            }
            if (isAdmin(ctx)) {
                return audited.serve(ctx, req, action, target, adminCaller(), service);
            }
            final String why = "this call needs the admin token: send 'Authorization: Bearer "
                    + "<token>' with the token from <data-dir>/" + AdminToken.FILE;
            return audited.refused(
                    ctx, action, target.apply(ctx), refusedCaller(ctx), refuse(ErrorCode.UNAUTHENTICATED, why), why);
        };
    }

    /**
     * The operator only, for a call whose answer streams (a tap, which shows live requests): audited as
     * {@code action} when it starts. A workload or the viewer token, known but not the operator, is refused 403; a
     * caller with neither, 401.
     */
    HttpService adminStream(String action, Function<ServiceRequestContext, String> target, HttpService service) {
        return (ctx, req) -> {
            if (isOpen()) {
                return audited.streamed(ctx, req, action, target, ANYONE, service);
            }
            if (isAdmin(ctx)) {
                return audited.streamed(ctx, req, action, target, adminCaller(), service);
            }
            final @Nullable ViewerToken viewerToken = this.viewerToken;
            final boolean viewer = viewerToken != null
                    && viewerToken.matches(ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION));
            final boolean known = viewer || MeshIdentity.peer(ctx) != null;
            final String why = (viewer
                            ? "the viewer token may read the golden metrics, not tap: "
                            : known ? "a workload may not tap: " : "")
                    + ctx.path() + " needs the admin token, since it shows live requests: send 'Authorization: "
                    + "Bearer <token>' with the token from <data-dir>/" + AdminToken.FILE;
            return audited.refused(
                    ctx,
                    action,
                    target.apply(ctx),
                    viewer ? "the viewer token" : refusedCaller(ctx),
                    refuse(known ? ErrorCode.FORBIDDEN : ErrorCode.UNAUTHENTICATED, why),
                    why);
        };
    }

    private String adminCaller() {
        return "admin token " + requireNonNull(adminToken, "adminToken").fingerprint();
    }

    /** Who was refused an admin call: its SPIFFE ID if it has one; never what it sent as a token. */
    private static String refusedCaller(ServiceRequestContext ctx) {
        final @Nullable SpiffeId peer = MeshIdentity.peer(ctx);
        if (peer != null) {
            return peer.toString();
        }
        return ctx.request().headers().contains(HttpHeaderNames.AUTHORIZATION)
                ? "unauthenticated (a token that is not the admin token)"
                : "unauthenticated";
    }

    /** The audit target of an operator's call on a service's path: its instance when the path names one. */
    private static String instanceTarget(ServiceRequestContext ctx) {
        final @Nullable String id = ctx.pathParam("id");
        return id != null
                ? "instance " + id + " of service " + ctx.pathParam("service")
                : "service " + ctx.pathParam("service");
    }

    private boolean isAdmin(ServiceRequestContext ctx) {
        return adminToken != null && adminToken.matches(ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION));
    }

    private HttpResponse unauthenticated(ServiceRequestContext ctx) {
        return refuse(
                ErrorCode.UNAUTHENTICATED,
                ctx.method() + " " + ctx.path() + " needs a mesh certificate "
                        + "(mTLS) or the admin token; the caller sent neither");
    }

    private HttpResponse unauthenticatedViewer(ServiceRequestContext ctx) {
        return refuse(
                ErrorCode.UNAUTHENTICATED,
                ctx.method() + " " + ctx.path() + " needs a viewer token (meshctl token create --viewer, or "
                        + "<data-dir>/" + ViewerToken.FILE + "), a mesh certificate (mTLS) or the admin token, as "
                        + "'Authorization: Bearer <token>'; the caller sent "
                        + (ctx.request().headers().contains(HttpHeaderNames.AUTHORIZATION)
                                ? "a token that is none of them"
                                : "none"));
    }

    HttpResponse refuse(ErrorCode code, String message) {
        refusals.refused(message);
        return JsonResponses.error(code, message);
    }
}
