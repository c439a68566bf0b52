package io.mesh4j.server.internal.quota;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.server.internal.refusal.Refusal;

/**
 * The answer to a request a mesh-wide quota refused: 429 {@code quota_exceeded} with {@code Retry-After} and
 * {@code mesh-limit: quota}, so that a client tells it from the instance's own limit and does not retry it on
 * another instance; RESOURCE_EXHAUSTED for gRPC.
 */
public final class MeshQuotaRefusal {

    private static final Logger logger = LoggerFactory.getLogger(MeshQuotaRefusal.class);

    public static HttpResponse of(ServiceRequestContext ctx, QuotaGate.Refused refused) {
        final QuotaSpec quota = refused.quota();
        final String message = ctx.method() + " " + ctx.path() + " is over the mesh-wide quota '" + quota.name()
                + "' of " + quota.requests() + " requests per " + quota.per().toSeconds() + " s"
                + (quota.rule() != null ? " for rule '" + quota.rule() + '\'' : "")
                + (quota.caller() != null ? " from " + quota.caller() : "")
                + ", shared by every instance of the service (this one's share: "
                + String.format(Locale.ROOT, "%.2f", refused.share()) + "/s); retry after "
                + refused.retryAfterSeconds() + " s";
        logger.debug("{}", message);
        return Refusal.of(
                ctx,
                Status.Code.RESOURCE_EXHAUSTED,
                message,
                () -> HttpResponse.of(
                        ResponseHeaders.builder(ErrorCode.QUOTA_EXCEEDED.status())
                                .contentType(MediaType.JSON_UTF_8)
                                .set(HttpHeaderNames.RETRY_AFTER, Long.toString(refused.retryAfterSeconds()))
                                .set(QuotaJson.LIMIT_HEADER, QuotaJson.LIMIT_QUOTA)
                                .build(),
                        HttpData.wrap(RegistryJson.writeError(ErrorBody.of(ErrorCode.QUOTA_EXCEEDED, message)))));
    }

    private MeshQuotaRefusal() {}
}
