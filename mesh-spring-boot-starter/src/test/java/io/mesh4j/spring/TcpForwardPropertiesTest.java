package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.mesh4j.client.TcpForward;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshTcpForwards;

/** {@code mesh.tcp-forward.<service>.port}: a loopback port that listens from the start, against a TLS registry. */
class TcpForwardPropertiesTest {

    @TempDir
    Path dir;

    private MeshRegistry registry;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aForwardPropertyListensOnItsPortFromTheStartAndClosesWithTheContext() throws Exception {
        final int port = freePort();
        runner().withPropertyValues("mesh.tcp-forward.redis.port=" + port).run(context -> {
            assertThat(context).hasNotFailed();
            final TcpForward redis = context.getBean(MeshTcpForwards.class).get("redis");
            assertThat(redis).isNotNull();
            assertThat(redis.address().getPort()).isEqualTo(port);
            assertThat(redis.service()).isEqualTo(ServiceName.of("redis"));
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(socket.isConnected()).isTrue();
            }
        });
        // Closed with the context: the port is free again.
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void anIdleTimeoutPropertySetsTheForwardsIdleTimeout() throws Exception {
        runner().withPropertyValues("mesh.tcp-forward.redis.port=0", "mesh.tcp-forward.redis.idle-timeout=10m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    final TcpForward redis =
                            context.getBean(MeshTcpForwards.class).get("redis");
                    assertThat(redis).isNotNull();
                    assertThat(redis.config().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
                });
        runner().withPropertyValues("mesh.tcp-forward.redis.port=0").run(context -> {
            final TcpForward redis = context.getBean(MeshTcpForwards.class).get("redis");
            assertThat(redis).isNotNull();
            assertThat(redis.config().idleTimeout()).isEqualTo(Duration.ofHours(1));
        });
    }

    @Test
    void anIdleTimeoutTooShortFailsTheStartNamingTheProperty() throws Exception {
        runner().withPropertyValues("mesh.tcp-forward.redis.idle-timeout=10ms").run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription())
                    .contains("mesh.tcp-forward.redis.idle-timeout")
                    .contains("idleTimeout: PT0.01S (expected: 0 for no idle timeout, or >= 100 ms");
            assertThat(analysis.getAction()).contains("at least 100ms, such as 10m");
        });
    }

    @Test
    void aForwardWithoutTlsFailsTheStartNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withPropertyValues(
                        "spring.application.name=frontend",
                        // A plaintext member (of a plaintext registry, which need not be running to fail here).
                        "mesh.registry=http://127.0.0.1:9",
                        "mesh.tls=false",
                        "mesh.tcp-forward.redis.port=0")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription())
                            .contains("mesh.tcp-forward.redis.port")
                            .contains("needs the client's identity");
                });
    }

    private ApplicationContextRunner runner() throws Exception {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("frontend"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + registry.uri(),
                        "mesh.join-token-file=" + Files.writeString(dir.resolve("frontend.token"), token),
                        "mesh.trust-bundle-file="
                                + Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem()));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
