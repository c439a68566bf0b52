package io.mesh4j.client;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.TlsKeyPair;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceImpl;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * A stock grpc-java server (grpc-netty, no mesh4j in it) serving the gRPC interop suite's {@code TestServiceImpl},
 * with TLS from a workload identity's certificate, requiring a client certificate of the mesh's trust bundle, and
 * registered in the registry as an instance of a service. Notes every call's deadline, and can answer every call
 * with a fixed status instead of serving it (a failing instance).
 */
final class GrpcBackend implements AutoCloseable {

    private static final Metadata.Key<String> MESH_DEADLINE =
            Metadata.Key.of(io.mesh4j.core.deadline.Deadline.HEADER, Metadata.ASCII_STRING_MARSHALLER);

    /** Calls that reached the service (or the fixed answer), by full method name. */
    final Queue<String> calls = new ConcurrentLinkedQueue<>();
    /** The deadline each call arrived with, in nanoseconds left when it arrived; -1 for none. */
    final Queue<Long> deadlines = new ConcurrentLinkedQueue<>();
    /** The mesh deadline header each call arrived with, or "" for none. */
    final Queue<String> meshDeadlines = new ConcurrentLinkedQueue<>();

    final AtomicInteger hits = new AtomicInteger();

    private final Server server;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);

    /** How long an EmptyCall waits before it is answered; zero serves it at once. */
    private volatile Duration emptyCallDelay = Duration.ZERO;

    private GrpcBackend(@Nullable WorkloadIdentity identity, Status failWith) throws Exception {
        final List<ServerInterceptor> interceptors = new ArrayList<>(TestServiceImpl.interceptors());
        interceptors.add(new Recorder(failWith));
        final NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new TestServiceImpl(executor), interceptors));
        if (identity != null) {
            builder.sslContext(sslContext(identity));
        }
        server = builder.build().start();
    }

    /** Without TLS (h2c), registered with {@code registry} by the test, as a plaintext mesh's member would be. */
    static GrpcBackend plaintext(RegistryClient registry, String service, String id) throws Exception {
        final GrpcBackend backend = new GrpcBackend(null, Status.OK);
        registry.register(
                        ServiceName.of(service),
                        InstanceId.of(id),
                        Registration.builder("127.0.0.1", backend.port()).build())
                .join();
        return backend;
    }

    private static SslContext sslContext(WorkloadIdentity identity) throws Exception {
        final TlsKeyPair keyPair = identity.keyPair();
        final SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forServer(
                                keyPair.privateKey(), keyPair.certificateChain().toArray(new X509Certificate[0]))
                        .trustManager(identity.trustManager(caller -> true, "any workload of the mesh"))
                        .clientAuth(ClientAuth.REQUIRE))
                .build();
        return tls;
    }

    /** Serves as {@code identity} and registers itself, with that identity's certificate, as {@code id}. */
    static GrpcBackend start(WorkloadIdentity identity, String service, String id) throws Exception {
        return start(identity, service, id, Status.OK, IdentityAccess.REGISTRY_CLIENT.get(identity));
    }

    /** As {@link #start}, answering every call with {@code failWith} (unless OK) without serving it. */
    static GrpcBackend failing(WorkloadIdentity identity, String service, String id, Status failWith) throws Exception {
        return start(identity, service, id, failWith, IdentityAccess.REGISTRY_CLIENT.get(identity));
    }

    /** As {@link #start}, registered with {@code metadata} (such as {@code version=v2}, for a split's subsets). */
    static GrpcBackend labelled(WorkloadIdentity identity, String service, String id, Map<String, String> metadata)
            throws Exception {
        return start(identity, service, id, Status.OK, IdentityAccess.REGISTRY_CLIENT.get(identity), metadata);
    }

    /** Serves as {@code identity}, registered by {@code registrar} (an impostor cannot register itself). */
    static GrpcBackend start(
            WorkloadIdentity identity, String service, String id, Status failWith, RegistryClient registrar)
            throws Exception {
        return start(identity, service, id, failWith, registrar, Map.of());
    }

    private static GrpcBackend start(
            WorkloadIdentity identity,
            String service,
            String id,
            Status failWith,
            RegistryClient registrar,
            Map<String, String> metadata)
            throws Exception {
        final GrpcBackend backend = new GrpcBackend(identity, failWith);
        registrar
                .register(
                        ServiceName.of(service),
                        InstanceId.of(id),
                        Registration.builder("127.0.0.1", backend.port())
                                .metadata(metadata)
                                .build())
                .join();
        return backend;
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        executor.shutdownNow();
    }

    /** Answers EmptyCall slowly from now on: {@code delay} after its request has come. */
    GrpcBackend slowEmptyCalls(Duration delay) {
        emptyCallDelay = delay;
        return this;
    }

    @SuppressWarnings("unchecked")
    private <Q, A> ServerCall.Listener<Q> answerLater(ServerCall<Q, A> call) {
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                executor.schedule(
                        () -> {
                            call.sendHeaders(new Metadata());
                            call.sendMessage((A) Empty.getDefaultInstance());
                            call.close(Status.OK, new Metadata());
                        },
                        emptyCallDelay.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        };
    }

    /** Notes every call; answers it with the fixed status instead of serving it, unless that is OK. */
    private final class Recorder implements ServerInterceptor {

        private final Status failWith;

        Recorder(Status failWith) {
            this.failWith = failWith;
        }

        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            hits.incrementAndGet();
            calls.add(call.getMethodDescriptor().getFullMethodName());
            // grpc-java turns the grpc-timeout header into the call context's deadline.
            final Deadline deadline = Context.current().getDeadline();
            deadlines.add(deadline != null ? deadline.timeRemaining(TimeUnit.NANOSECONDS) : -1L);
            final String mesh = headers.get(MESH_DEADLINE);
            meshDeadlines.add(mesh != null ? mesh : "");
            if (!emptyCallDelay.isZero() && call.getMethodDescriptor().equals(TestServiceGrpc.getEmptyCallMethod())) {
                return answerLater(call);
            }
            if (!failWith.isOk()) {
                // Trailers-only: the status in the response headers, no body.
                call.close(failWith, new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
