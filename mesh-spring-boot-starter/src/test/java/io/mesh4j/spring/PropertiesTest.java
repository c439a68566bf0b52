package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.websocket.WebSocketService;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.MeshWebSocket;
import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * What each {@code mesh.*} property does that the other tests do not show: the balancer, the zone calls prefer,
 * per-service attempts, and the instance's id and port.
 */
class PropertiesTest {

    private static final ServiceName ECHO = ServiceName.of("echo");

    private static MeshRegistry registry;
    /** Two plain Armeria servers registered as echo-a and echo-b, answering their own name. */
    private static final List<Server> echoes = new ArrayList<>();
    /** The pings the echo servers' WebSocket endpoint was sent. */
    private static final AtomicInteger pings = new AtomicInteger();

    @BeforeAll
    static void start(@TempDir Path dir) {
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir)
                .build()
                .start()
                .join();
        for (String name : List.of("a", "b")) {
            final Server echo = Server.builder()
                    .http(0)
                    .service("/who", (ctx, req) -> HttpResponse.of(name))
                    // Counts the pings it is sent, and sends nothing back, so the connection stays idle.
                    .service(
                            "/ws",
                            WebSocketService.of((ctx, in) -> WebSocket.of(in.filter(frame -> {
                                if (frame.type() == WebSocketFrameType.PING) {
                                    pings.incrementAndGet();
                                }
                                return false;
                            }))))
                    .build();
            echo.start().join();
            echoes.add(echo);
            RegistryAccess.ADMIN_CLIENT
                    .get(registry)
                    .register(
                            ECHO,
                            InstanceId.of("echo-" + name),
                            Registration.builder("127.0.0.1", echo.activeLocalPort())
                                    .ttl(Duration.ofHours(1))
                                    .build())
                    .join();
        }
    }

    @AfterAll
    static void stop() {
        echoes.forEach(Server::close);
        registry.close();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
            .withPropertyValues("spring.application.name=frontend", "mesh.tls=off", "mesh.registry=" + registry.uri());

    @MeshService
    public static final class PingApi {
        @Get("/ping")
        public String ping() {
            return "pong";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ServesPing {
        @Bean
        PingApi pingApi() {
            return new PingApi();
        }
    }

    private static List<String> callEchoFourTimes(MeshClient client) {
        final WebClient echo = client.webClient("echo");
        await().atMost(Duration.ofSeconds(5)).until(() -> client.endpoints(ECHO).size() == 2);
        final List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(echo.get("/who").aggregate().join().contentUtf8());
        }
        return answers;
    }

    @Test
    void roundRobinTakesTheInstancesInTurn() {
        runner.withPropertyValues("mesh.client.balancer=round-robin").run(context -> {
            final List<String> answers = callEchoFourTimes(context.getBean(MeshClient.class));
            assertThat(answers).isIn(List.of("a", "b", "a", "b"), List.of("b", "a", "b", "a"));
        });
    }

    @Test
    void weightedRoundRobinAndTheDefaultP2cReachTheInstancesToo() {
        for (String balancer : List.of("weighted-round-robin", "p2c")) {
            runner.withPropertyValues("mesh.client.balancer=" + balancer).run(context -> {
                assertThat(callEchoFourTimes(context.getBean(MeshClient.class)))
                        .as(balancer)
                        .isSubsetOf("a", "b");
            });
        }
    }

    @Test
    void theZoneThisInstanceRegistersInIsTheOneItsCallsPrefer() {
        runner.withPropertyValues("mesh.zone=eu-1a").run(context -> {
            assertThat(context.getBean(MeshClient.class)
                            .webClient("echo")
                            .endpointGroup()
                            .toString())
                    .startsWith("ZoneAwareEndpointGroup(zone=eu-1a,");
        });
    }

    @Test
    void gRpcStreamsHaveNoMeshTimeoutUnlessTheStreamTimeoutPropertiesSetOne() {
        runner.withPropertyValues("mesh.client.stream-timeout=30m", "mesh.services.prices.stream-timeout=2h")
                .run(context -> {
                    final MeshClient client = context.getBean(MeshClient.class);
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("orders"))
                                    .streamTimeout())
                            .isEqualTo(Duration.ofMinutes(30));
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("prices"))
                                    .streamTimeout())
                            .isEqualTo(Duration.ofHours(2));
                });
        runner.run(context -> assertThat(context.getBean(MeshClient.class)
                        .policies()
                        .policyFor(ServiceName.of("orders"))
                        .streamTimeout())
                .isNull());
    }

    @Test
    void theWebSocketPingIntervalPropertySetsHowSoonAnIdleConnectionIsPinged() {
        runner.withPropertyValues("mesh.client.websocket-ping-interval=100ms").run(context -> {
            final MeshClient client = context.getBean(MeshClient.class);
            final int before = pings.get();
            final MeshWebSocket socket =
                    client.webSocketClient("echo").connect("/ws").get(10, TimeUnit.SECONDS);
            // 30 seconds unless set: only the property makes pings come this soon.
            await().atMost(Duration.ofSeconds(5)).until(() -> pings.get() - before >= 3);
            socket.outbound().close();
        });
    }

    @Test
    void aServiceOverridesItsAttemptsAndTimeoutAndKeepsTheDefaultsItDoesNotName() {
        runner.withPropertyValues(
                        "mesh.client.timeout=4s", "mesh.client.max-attempts=2",
                        "mesh.services.orders.max-attempts=5", "mesh.services.inventory.timeout=300ms")
                .run(context -> {
                    final MeshClient client = context.getBean(MeshClient.class);
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("orders"))
                                    .retry()
                                    .maxAttempts())
                            .isEqualTo(5);
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("orders"))
                                    .timeout())
                            .isEqualTo(Duration.ofSeconds(4));
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("inventory"))
                                    .timeout())
                            .isEqualTo(Duration.ofMillis(300));
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("inventory"))
                                    .retry()
                                    .maxAttempts())
                            .isEqualTo(2);
                });
    }

    @Test
    void theInstanceIdAndPortAreTheOnesSet() throws Exception {
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        runner.withUserConfiguration(ServesPing.class)
                .withPropertyValues(
                        "spring.application.name=ping",
                        "mesh.instance-id=ping-7",
                        "mesh.port=" + port,
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.ttl=30s",
                        "mesh.drain-period=0s")
                .run(context -> {
                    final MeshServer server = context.getBean(MeshServer.class);
                    assertThat(server.port()).isEqualTo(port);
                    assertThat(RegistryAccess.ADMIN_CLIENT
                                    .get(registry)
                                    .instances(ServiceName.of("ping"))
                                    .join()
                                    .instances())
                            .singleElement()
                            .satisfies(instance -> {
                                assertThat(instance.id()).isEqualTo(InstanceId.of("ping-7"));
                                assertThat(instance.host()).isEqualTo("127.0.0.1");
                                assertThat(instance.port()).isEqualTo(port);
                            });
                });
    }
}
