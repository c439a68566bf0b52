package io.mesh4j.server.authz;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.RefusalLog;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.registry.ErrorBody;
import io.mesh4j.core.registry.ErrorCode;
import io.mesh4j.core.registry.RegistryJson;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;

/**
 * Decides whether the caller, known by the SPIFFE ID its certificate proved, may call the route: by the policy
 * the registry pushed for this service if there is one, else by the route's {@link
 * io.mesh4j.core.authz.AllowCallers} annotation. With neither, every caller of the mesh may call. A refusal is
 * a 403 that names the caller and the route; every decision is counted by caller.
 */
public final class AuthzLayer extends AbstractLayer<HttpService> {

    public static final Role ROLE = ServerRoles.AUTHZ;

    private static final Logger logger = LoggerFactory.getLogger(AuthzLayer.class);
    private static final AuthzLayer INSTANCE = new AuthzLayer();
    private static final String UNKNOWN_CALLER = "unknown";

    AuthzLayer() {
        super(ROLE);
    }

    public static AuthzLayer of() {
        return INSTANCE;
    }

    @Override
    public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        final ServiceName service = params.get(CommonParams.SERVICE);
        final PushedPolicy pushed = params.get(PushedPolicy.KEY);
        final AuthorizationCounts counts = params.get(AuthorizationCounts.KEY);
        final AnnotatedPolicies annotated = new AnnotatedPolicies();
        final RefusalLog refusals = new RefusalLog(service.value());
        return delegate -> new AuthorizingService(delegate, service, pushed, annotated, counts, refusals);
    }

    private static final class AuthorizingService extends SimpleDecoratingHttpService {

        private final ServiceName service;
        private final PushedPolicy pushed;
        private final AnnotatedPolicies annotated;
        private final AuthorizationCounts counts;
        private final RefusalLog refusals;

        AuthorizingService(HttpService delegate, ServiceName service, PushedPolicy pushed,
                           AnnotatedPolicies annotated, AuthorizationCounts counts, RefusalLog refusals) {
            super(delegate);
            this.service = service;
            this.pushed = pushed;
            this.annotated = annotated;
            this.counts = counts;
            this.refusals = refusals;
        }

        @Override
        public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
            final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
            final String callerName = caller != null ? caller.toString() : UNKNOWN_CALLER;
            final @Nullable AccessPolicy fromRegistry = pushed.current();
            final @Nullable AccessPolicy policy = fromRegistry != null ? fromRegistry : annotated.of(ctx.config());
            if (policy == null) {
                counts.count(callerName, true);
                return unwrap().serve(ctx, req);
            }
            final String route = ctx.config().route().patternString();
            final @Nullable ServiceName callerService = caller != null ? caller.service().orElse(null) : null;
            if (callerService != null && policy.allows(route, ctx.method(), callerService)) {
                counts.count(callerName, true);
                return unwrap().serve(ctx, req);
            }
            counts.count(callerName, false);
            final String message = (caller != null ? caller + " may not call " : "a caller without a mesh "
                                                                                 + "identity may not call ")
                                   + ctx.method() + ' ' + route + " of " + service + " (the "
                                   + (fromRegistry != null ? "policy pushed by the registry" : "@AllowCallers "
                                                                                               + "annotation")
                                   + " does not allow it)";
            refusals.refused(message);
            logger.debug("{}", message);
            return HttpResponse.of(HttpStatus.FORBIDDEN, MediaType.JSON_UTF_8,
                                   RegistryJson.writeError(ErrorBody.of(ErrorCode.FORBIDDEN, message)));
        }
    }
}
