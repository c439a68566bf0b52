package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;

/** Reads the service name and instance id from the path, refusing invalid ones with {@code invalid_name}. */
final class PathNames {

    static ServiceName service(ServiceRequestContext ctx) {
        return parse(ctx, "service", ServiceName::of);
    }

    static InstanceId instanceId(ServiceRequestContext ctx) {
        return parse(ctx, "id", InstanceId::of);
    }

    private static <T> T parse(ServiceRequestContext ctx, String param, Function<String, T> parser) {
        final @Nullable String value = ctx.pathParam(param);
        if (value == null) {
            throw new IllegalStateException(
                    "route without {" + param + "}: " + ctx.config().route());
        }
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, requireNonNullElse(e.getMessage(), e.toString()));
        }
    }

    private PathNames() {}
}
