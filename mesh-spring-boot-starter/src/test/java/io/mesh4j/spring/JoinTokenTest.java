package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

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

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/** The join token against a real TLS registry: the first certificate comes at start, or the start fails. */
class JoinTokenTest {

    @TempDir
    Path dir;

    private MeshRegistry registry;
    private ApplicationContextRunner runner;

    @BeforeEach
    void start() throws Exception {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
        // A token for one certificate, as an operator makes one per instance.
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("frontend"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + registry.uri(),
                        "mesh.join-token-file=" + Files.writeString(dir.resolve("frontend.token"), token),
                        "mesh.trust-bundle-file="
                                + Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem()));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void theApplicationHasItsCertificateOnceStarted() {
        runner.run(context -> {
            assertThat(context.getBean(WorkloadIdentity.class).expiresAt()).isNotNull();
            assertThat(context).hasSingleBean(MeshClient.class);
        });
    }

    @Test
    void aJoinTokenTheRegistryRefusesFailsTheStartSayingToAskForANewOne() {
        runner.run(first -> assertThat(first).hasNotFailed());
        // The same token again, for a second instance: it is used up.
        runner.run(second -> {
            final FailureAnalysis analysis = FailureAnalyses.of(second.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains(
                            "mesh.join-token-file: the registry refused the token in " + dir.resolve("frontend.token"));
            assertThat(analysis.getAction())
                    .contains("Ask the operator for a new join token for frontend (meshctl token create --service "
                            + "frontend > frontend.token)")
                    .contains("used up after --uses certificates");
        });
    }

    @Test
    void aPodsServiceAccountTokenIsSentInsteadOfAJoinTokenAndARefusalNamesItsProperty() throws Exception {
        // This registry takes no service-account tokens (no --kubernetes-token-review): the token reaches it, and
        // its refusal names the property; ServiceAccountJoinTest has a registry that takes them.
        final Path serviceAccountToken = Files.writeString(dir.resolve("sa-token"), "eyJhbGciOiJSUzI1NiJ9.pod");
        final ApplicationContextRunner pod = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + registry.uri(),
                        "mesh.trust-bundle-file=" + dir.resolve("trust-bundle.pem"));
        pod.withPropertyValues("mesh.service-account-token-file=" + serviceAccountToken)
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains(
                                    "mesh.service-account-token-file: the registry refused the service-account token in "
                                            + serviceAccountToken)
                            .contains("does not take Kubernetes service-account tokens");
                    assertThat(analysis.getAction()).contains("audience mesh4j");
                });
        pod.withPropertyValues("mesh.service-account-token-file=" + dir.resolve("no-volume"))
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.service-account-token-file")
                            .contains("cannot read the service-account token " + dir.resolve("no-volume"));
                });
    }
}
