package io.mesh4j.client.internal.grpc;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.AbstractClientOptionsBuilder;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.SessionProtocol;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * Makes a gRPC stub of a service with Armeria's {@link GrpcClients}, on the options every client of the service
 * shares (the same endpoint group, routing, stack and TLS as its {@code WebClient}).
 */
public final class GrpcStubs {

    private GrpcStubs() {}

    /**
     * @param stubType a stub class protoc-gen-grpc-java generated, such as {@code OrdersGrpc.OrdersBlockingStub}
     * @param protocol HTTPS with the mesh's mTLS, HTTP (h2c) for a plaintext client
     * @param group the service's endpoints
     * @param common sets what every client of the service shares: factory, preprocessors, decorators
     * @param service the service called, for metrics
     * @param metrics where the messages of each stream are counted
     * @throws IllegalArgumentException if Armeria cannot make a stub of {@code stubType}
     */
    public static <T> T newStub(
            Class<T> stubType,
            SessionProtocol protocol,
            EndpointGroup group,
            Consumer<AbstractClientOptionsBuilder> common,
            String service,
            MeshMetrics metrics) {
        final GrpcClientBuilder builder = GrpcClients.builder(protocol, group);
        common.accept(builder);
        builder.preprocessor(new GrpcPreprocessor(methodsOf(stubType)));
        // A call the mesh's timeout ended reads DEADLINE_EXCEEDED, however the end reached the client; and the
        // messages of each stream are counted.
        builder.intercept(TimeoutStatus.INSTANCE, new StreamMessages(service, metrics));
        return builder.build(stubType);
    }

    /**
     * The methods of the service whose stub {@code stubType} is, by path, from the descriptor protoc-gen-grpc-java
     * puts in the stub's enclosing class ({@code OrdersGrpc.getServiceDescriptor()}); none for a stub of another
     * kind, whose calls then go as streaming calls (one attempt each).
     */
    static Map<String, MethodDescriptor<?, ?>> methodsOf(Class<?> stubType) {
        final Map<String, MethodDescriptor<?, ?>> methods = new HashMap<>();
        final @Nullable ServiceDescriptor descriptor = descriptorOf(stubType);
        if (descriptor != null) {
            for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
                methods.put('/' + method.getFullMethodName(), method);
            }
        }
        return methods;
    }

    private static @Nullable ServiceDescriptor descriptorOf(Class<?> stubType) {
        final @Nullable Class<?> outer = stubType.getEnclosingClass();
        if (outer == null) {
            return null;
        }
        try {
            final Method getter = outer.getMethod("getServiceDescriptor");
            if (!Modifier.isStatic(getter.getModifiers())
                    || !ServiceDescriptor.class.isAssignableFrom(getter.getReturnType())) {
                return null;
            }
            return (ServiceDescriptor) getter.invoke(null);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
