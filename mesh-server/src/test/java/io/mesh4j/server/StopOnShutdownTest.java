package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;

/** A plain-Java service stopped with SIGTERM leaves the registry at once, not when its TTL runs out. */
class StopOnShutdownTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    @Test
    void aServiceStoppedWithSigtermDeregistersInsteadOfWaitingForItsTtl() throws Exception {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final Process service = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            StopOnShutdownMain.class.getName(),
                            registry.uri().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                final BufferedReader out =
                        new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
                // Its log shares standard output: the line it prints once registered comes among the log lines.
                String line = out.readLine();
                while (line != null && !line.equals("registered")) {
                    line = out.readLine();
                }
                assertThat(line).as("the service said it registered").isEqualTo("registered");
                final RegistryClient client = RegistryClient.of(registry.uri());
                assertThat(client.instances(ORDERS).join().instances()).hasSize(1);

                service.destroy(); // SIGTERM

                assertThat(service.waitFor(30, TimeUnit.SECONDS))
                        .as("the service exited")
                        .isTrue();
                // Its TTL is 60 s: an instance gone now was deregistered, not expired.
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> client.instances(ORDERS).join().instances().isEmpty());
            } finally {
                service.destroyForcibly();
            }
        }
    }
}
