package io.mesh4j.server.deadline;

import java.time.Duration;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;

/**
 * Reads the time its caller has left ({@value Deadline#HEADER}), refuses the request with 504 when none is
 * left, and otherwise shortens the request's timeout to it and attaches the deadline to the request's context,
 * where the mesh clients the handler calls find it and pass on what is left.
 *
 * <p>A request without the header keeps the server's own request timeout: only meshed callers send one.
 */
public final class DeadlineLayer extends AbstractLayer<HttpService> {

    public static final Role ROLE = ServerRoles.DEADLINE;

    private static final Logger logger = LoggerFactory.getLogger(DeadlineLayer.class);
    private static final DeadlineLayer INSTANCE = new DeadlineLayer();

    DeadlineLayer() {
        super(ROLE);
    }

    public static DeadlineLayer of() {
        return INSTANCE;
    }

    @Override
    public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        final Ticker ticker = params.get(CommonParams.TICKER);
        return delegate -> new DeadlineService(delegate, ticker);
    }

    private static final class DeadlineService extends SimpleDecoratingHttpService {

        private final Ticker ticker;

        DeadlineService(HttpService delegate, Ticker ticker) {
            super(delegate);
            this.ticker = ticker;
        }

        @Override
        public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
            final @Nullable String header = req.headers().get(Deadline.HEADER);
            if (header == null) {
                return unwrap().serve(ctx, req);
            }
            final @Nullable Duration left = Deadline.parseHeader(header);
            if (left == null) {
                logger.debug("{}: ignoring a malformed {} header: {}", ctx, Deadline.HEADER, header);
                return unwrap().serve(ctx, req);
            }
            if (left.isZero()) {
                return HttpResponse.of(HttpStatus.GATEWAY_TIMEOUT, MediaType.PLAIN_TEXT_UTF_8,
                                       "the caller's deadline had passed when the request arrived");
            }
            final long ownTimeoutMillis = ctx.requestTimeoutMillis();
            if (ownTimeoutMillis <= 0 || left.toMillis() < ownTimeoutMillis) {
                ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, left);
            }
            Deadline.after(left, ticker).attachTo(ctx);
            return unwrap().serve(ctx, req);
        }
    }
}
