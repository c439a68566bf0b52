package io.mesh4j.server.internal.grpc;

import java.util.List;
import java.util.function.Function;

import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * The gRPC part of one mesh server: the user's services, and unless turned off {@code grpc.health.v1.Health} and
 * server reflection, as one Armeria {@link GrpcService} on the mesh listener. It is added as a route like any
 * other, so every call passes the server's one stack, its route being the method's path
 * ({@code /pkg.Service/Method}).
 *
 * <p>Health answers {@code SERVING} while the server serves and {@code NOT_SERVING} from the moment it starts to
 * drain ({@link #draining()}), so that a probe or a health-checking balancer moves away before the listener closes;
 * a call still open when the drain period is over ends with {@code UNAVAILABLE} ({@link #drained()}).
 */
public final class GrpcServing {

    /** The path prefix of the standard health service's methods, which any caller of the mesh may call. */
    public static final String HEALTH_PATH_PREFIX = "/grpc.health.v1.Health/";

    private final SettableHealthChecker serving = new SettableHealthChecker(true);
    private final OpenCalls calls;
    private final List<BindableService> services;
    private final List<ServerServiceDefinition> definitions;
    private final boolean health;
    private final boolean reflection;
    /** The largest message a call may send: a larger one ends the call with RESOURCE_EXHAUSTED. */
    private final int maxMessageBytes;
    /** Whether calls run on the connection's event loop rather than on the blocking-task executor. */
    private final boolean onEventLoop;

    /**
     * @param services the user's services
     * @param definitions the user's service definitions (services with interceptors, say)
     * @param health whether to serve {@code grpc.health.v1.Health}
     * @param reflection whether to serve server reflection ({@code grpc.reflection.v1})
     * @param maxMessageBytes the largest message a caller may send
     * @param onEventLoop whether calls run on the connection's event loop (never blocking) rather than off it
     * @param service the service served, for metrics
     * @param metrics where the messages of each stream are counted
     */
    public GrpcServing(
            List<BindableService> services,
            List<ServerServiceDefinition> definitions,
            boolean health,
            boolean reflection,
            int maxMessageBytes,
            boolean onEventLoop,
            String service,
            MeshMetrics metrics) {
        this.calls = new OpenCalls(service, metrics);
        this.services = List.copyOf(services);
        this.definitions = List.copyOf(definitions);
        this.health = health;
        this.reflection = reflection;
        this.maxMessageBytes = maxMessageBytes;
        this.onEventLoop = onEventLoop;
    }

    /**
     * Adds the gRPC service to the server; the stack's decorator, set on the whole server, wraps it.
     *
     * @param sb the server being built
     */
    public void addTo(ServerBuilder sb, Function<? super HttpService, ? extends HttpService> stack) {
        final GrpcServiceBuilder grpc = GrpcService.builder()
                .addServices(services)
                .addServiceDefinitions(definitions)
                .maxRequestMessageLength(maxMessageBytes)
                // The DEADLINE layer reads grpc-timeout, and bounds the call by the shorter of it and the route's
                // timeout; Armeria's own reading would come after and put the caller's longer one back.
                .useClientTimeoutHeader(false)
                .intercept(calls)
                // By default as grpc-java runs a call: never on the connection's event loop, where a blocking handler
                // would stall every other call of the connection; MeshServerBuilder.grpcOnEventLoop is the way out. It
                // is most of what a unary call costs the mesh server
                // over raw Armeria (issue 12, one call in flight on a loaded machine: 4.5 to 9.5 context switches a
                // call across runs, against 0.55 with the call on the event loop). A listener of our own that ran
                // only the application's part off the loop measured 6.2 to 6.5, within that spread: not kept.
                .useBlockingTaskExecutor(!onEventLoop);
        if (health) {
            grpc.addService(GrpcHealthCheckService.of(serving));
        }
        if (reflection) {
            // grpc.reflection.v1, which grpcurl and grpc-java's tools ask for first. Armeria serves one reflection
            // service per server, so the older v1alpha is left out.
            grpc.addService(ProtoReflectionServiceV1.newInstance());
        }
        sb.service(grpc.build(), List.of(stack));
    }

    /** The server has begun to drain: health answers {@code NOT_SERVING} from now on. */
    public void draining() {
        serving.setHealthy(false);
    }

    /**
     * The drain period is over: ends every call still open (a stream, most likely) with {@code UNAVAILABLE}, so
     * that its client re-opens it on another instance, which by now it knows of, instead of holding this one open
     * until its shutdown timeout.
     *
     * @return how many calls were ended
     */
    public int drained() {
        return calls.endAll(
                Status.UNAVAILABLE.withDescription("the server is draining: re-open the stream on another instance"));
    }
}
