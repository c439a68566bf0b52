package io.mesh4j.registry.internal.api;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.registry.internal.tokens.AdminToken;

/**
 * Who may call what. With TLS, a caller is known by the SPIFFE ID its client certificate proves (the handshake
 * has verified the chain already) or by the admin token; without TLS ({@code --plaintext}) everybody may call
 * everything, as the operator chose.
 *
 * <ul>
 *   <li>an instance of a service is registered, renewed and removed only by that service's workloads;</li>
 *   <li>reads (services, watches) need a mesh certificate;</li>
 *   <li>the admin token may do all of it, and the admin calls.</li>
 * </ul>
 */
public final class Access {

    private final @Nullable AdminToken adminToken;
    private final RefusalLog refusals = new RefusalLog("registry");

    private Access(@Nullable AdminToken adminToken) {
        this.adminToken = adminToken;
    }

    /** Everybody may call everything: a plaintext registry. */
    public static Access open() {
        return new Access(null);
    }

    public static Access secured(AdminToken adminToken) {
        return new Access(adminToken);
    }

    boolean isOpen() {
        return adminToken == null;
    }

    /** Only a workload of the path's {@code {service}}, or the operator. */
    HttpService serviceWorkload(HttpService service) {
        return (ctx, req) -> {
            if (isOpen() || isAdmin(ctx)) {
                return service.serve(ctx, req);
            }
            final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
            if (caller == null) {
                return unauthenticated(ctx);
            }
            final ServiceName target = PathNames.service(ctx);
            if (!caller.service().map(target::equals).orElse(false)) {
                return refuse(
                        ErrorCode.FORBIDDEN,
                        "the caller " + caller + " may register, renew and remove only "
                                + "instances of its own service, not of " + target);
            }
            return service.serve(ctx, req);
        };
    }

    /** Any workload of the mesh, or the operator. */
    HttpService member(HttpService service) {
        return (ctx, req) -> {
            if (isOpen() || isAdmin(ctx) || MeshIdentity.peer(ctx) != null) {
                return service.serve(ctx, req);
            }
            return unauthenticated(ctx);
        };
    }

    /** The operator only. */
    HttpService admin(HttpService service) {
        return (ctx, req) -> {
            if (isOpen() || isAdmin(ctx)) {
                return service.serve(ctx, req);
            }
            return refuse(
                    ErrorCode.UNAUTHENTICATED,
                    "this call needs the admin token: send 'Authorization: Bearer "
                            + "<token>' with the token from <data-dir>/" + AdminToken.FILE);
        };
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

    HttpResponse refuse(ErrorCode code, String message) {
        refusals.refused(message);
        return JsonResponses.error(code, message);
    }
}
