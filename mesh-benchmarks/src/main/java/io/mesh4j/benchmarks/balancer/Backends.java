package io.mesh4j.benchmarks.balancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * The balancer benchmark's instances: real Armeria servers on loopback, each registered in the registry as an
 * instance, each answering after a fixed service time, one of them {@code slowFactor} times later than the
 * others. Every instance is registered under {@link #ALL}; the fast ones also under {@link #FAST_ONLY}, the
 * service the ideal case calls.
 *
 * <p>The service time is a timer, not work: the instances share this machine's two cores with the load generator,
 * and burning CPU would make the fast instances slow each other down and blur what the balancers choose between.
 * Each answer names its instance in a header, so that shares count the answers the latencies were measured on.
 */
final class Backends implements AutoCloseable {

    static final ServiceName ALL = ServiceName.of("balanced");
    static final ServiceName FAST_ONLY = ServiceName.of("balanced-ideal");
    static final String INSTANCE_HEADER = "x-bench-instance";

    private final List<Server> servers = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    private Backends() {}

    /**
     * Starts {@code count} instances, the last of them slow, and registers them through {@code registry}.
     */
    static Backends start(RegistryClient registry, int count, Duration serviceTime, int slowFactor) {
        final Backends backends = new Backends();
        try {
            for (int i = 0; i < count; i++) {
                final boolean slow = i == count - 1;
                final String name = slow ? "slow" : "fast-" + (i + 1);
                final Duration delay = slow ? serviceTime.multipliedBy(slowFactor) : serviceTime;
                final ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
                        .contentType(MediaType.JSON)
                        .add(INSTANCE_HEADER, name)
                        .build();
                final Server server = Server.builder()
                        .http(0)
                        .bossGroupFactory(BossGroups::newBossGroup)
                        .service(
                                "/work",
                                (ctx, req) -> HttpResponse.delayed(
                                        HttpResponse.of(headers, HttpData.ofUtf8("{\"ok\":true}")), delay))
                        .build();
                backends.servers.add(server);
                backends.names.add(name);
                server.start().join();
                final int port = server.activeLocalPort(SessionProtocol.HTTP);
                final Registration registration = Registration.builder("127.0.0.1", port)
                        .ttl(Duration.ofHours(1))
                        .build();
                registry.register(ALL, InstanceId.of(name), registration).join();
                if (!slow) {
                    registry.register(FAST_ONLY, InstanceId.of(name), registration)
                            .join();
                }
            }
            return backends;
        } catch (RuntimeException e) {
            backends.close();
            throw e;
        }
    }

    /** The instances' names, the slow one last. */
    List<String> names() {
        return List.copyOf(names);
    }

    @Override
    public void close() {
        servers.forEach(server -> server.stop().join());
    }
}
