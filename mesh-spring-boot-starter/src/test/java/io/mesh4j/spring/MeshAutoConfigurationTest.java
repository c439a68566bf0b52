package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.MeshService;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshClientCustomizer;

/** Every condition and property of the auto-configuration, and every failure analysis. */
class MeshAutoConfigurationTest {

    /** A registry address nothing listens on: these contexts never reach a registry, and need not. */
    private static final String NOWHERE = "http://127.0.0.1:1";

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class));

    @MeshService
    public static final class OrdersApi {
        @Get("/orders")
        public String orders() {
            return "[]";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ServesOrders {
        @Bean
        OrdersApi ordersApi() {
            return new OrdersApi();
        }
    }

    @Test
    void aClientOnlyApplicationGetsAMeshClientAndNoServer() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
              .run(context -> {
                  assertThat(context).hasSingleBean(MeshClient.class);
                  assertThat(context).doesNotHaveBean(MeshServer.class);
                  assertThat(context).doesNotHaveBean(WorkloadIdentity.class);
              });
    }

    @Test
    void anApplicationWithMeshServiceBeansGetsAServerNamedAfterIt() {
        runner.withUserConfiguration(ServesOrders.class)
              .withPropertyValues("spring.application.name=orders", "mesh.registry=" + NOWHERE, "mesh.tls=off",
                                  "mesh.zone=eu-1a", "mesh.weight=30", "mesh.metadata.version=v2",
                                  "mesh.advertised-host=127.0.0.1", "mesh.drain-period=0s")
              .run(context -> {
                  assertThat(context).hasSingleBean(MeshServer.class);
                  assertThat(context.getBean(MeshServer.class).service()).isEqualTo(ServiceName.of("orders"));
              });
    }

    @Test
    void meshServiceOverridesTheApplicationName() {
        runner.withUserConfiguration(ServesOrders.class)
              .withPropertyValues("spring.application.name=orders-app", "mesh.service=orders",
                                  "mesh.registry=" + NOWHERE, "mesh.tls=off", "mesh.drain-period=0s")
              .run(context -> assertThat(context.getBean(MeshServer.class).service().value()).isEqualTo("orders"));
    }

    @Test
    void nothingWhenTheMeshIsDisabled() {
        runner.withPropertyValues("mesh.enabled=false")
              .run(context -> assertThat(context).doesNotHaveBean(MeshClient.class));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        final MeshClient own = MeshClient.builder(URI.create(NOWHERE)).plaintext().build();
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
              .withBean(MeshClient.class, () -> own)
              .run(context -> assertThat(context.getBean(MeshClient.class)).isSameAs(own));
        own.close();
    }

    @Test
    void propertiesSetDefaultAndPerServicePoliciesAndCustomizersAdjustTheRest() {
        final Layer<HttpClient> audit = Layer.of(Role.of("AUDIT"), client -> client);
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off",
                                  "mesh.client.timeout=3s", "mesh.client.max-attempts=2",
                                  "mesh.services.orders.timeout=500ms")
              .withBean(MeshClientCustomizer.class, () -> builder -> builder.stack(s -> s.append(audit)))
              .run(context -> {
                  final MeshClient client = context.getBean(MeshClient.class);
                  assertThat(client.policies().policyFor(ServiceName.of("orders")).timeout())
                          .isEqualTo(Duration.ofMillis(500));
                  assertThat(client.policies().policyFor(ServiceName.of("inventory")).timeout())
                          .isEqualTo(Duration.ofSeconds(3));
                  assertThat(client.policies().policyFor(ServiceName.of("inventory")).retry().maxAttempts())
                          .isEqualTo(2);
                  assertThat(client.stack().roles()).contains(Role.of("AUDIT"));
              });
    }

    @Test
    void withoutAServiceNameTheStartFailsSayingWhichPropertyToSet() {
        runner.withPropertyValues("mesh.registry=" + NOWHERE, "mesh.tls=off").run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("mesh.service: not set, and neither is "
                                                           + "spring.application.name");
            assertThat(analysis.getAction()).contains("Set mesh.service (or spring.application.name)");
        });
    }

    @Test
    void aRegistryAddressThatDoesNotParseFailsTheStartSayingHowToWriteIt() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=registry:7070 ?").run(ctx -> {
            final FailureAnalysis analysis = FailureAnalyses.of(ctx.getStartupFailure());
            assertThat(analysis.getDescription()).contains("mesh.registry: 'registry:7070 ?'");
            assertThat(analysis.getAction()).contains("https://registry.internal:7070");
        });
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=http://registry:7070").run(ctx -> {
            final FailureAnalysis analysis = FailureAnalyses.of(ctx.getStartupFailure());
            assertThat(analysis.getDescription()).contains("is not https://<host>:<port> (the mesh speaks TLS");
            assertThat(analysis.getAction()).contains("or mesh.tls=off");
        });
    }

    @Test
    void anUnreadableTokenFileFailsTheStartNamingTheProperty(@TempDir Path dir) throws Exception {
        final Path bundle = Files.writeString(dir.resolve("bundle.pem"), "not checked before the token");
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=https://127.0.0.1:1",
                                  "mesh.join-token-file=" + dir.resolve("missing.token"),
                                  "mesh.trust-bundle-file=" + bundle)
              .run(context -> {
                  final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                  assertThat(analysis.getDescription()).contains("mesh.join-token-file: " + dir.resolve("missing.token")
                                                                 + " cannot be read");
                  assertThat(analysis.getAction()).contains("meshctl token create --service frontend");
              });
    }

    @Test
    void aPropertyOfTheWrongTypeFailsTheStartNamingIt() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off",
                                  "mesh.weight=heavy")
              .run(context -> {
                  final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                  assertThat(analysis.getDescription()).contains("mesh.weight").contains("heavy");
                  assertThat(analysis.getAction()).contains("Update your application's configuration");
              });
    }
}
