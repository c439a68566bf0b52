package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.StandardEnvironment;

import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.server.annotation.Get;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.mesh4j.client.MeshClient;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.autoconfigure.MeshAdminAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshClientCustomizer;
import io.mesh4j.spring.autoconfigure.MeshProperties;
import io.mesh4j.spring.autoconfigure.MeshServerCustomizer;
import io.mesh4j.spring.autoconfigure.MeshSettings;

/** Every condition and property of the auto-configuration, and every failure analysis. */
class MeshAutoConfigurationTest {

    /** A registry address nothing listens on: client-only contexts never reach a registry, and need not. */
    private static final String NOWHERE = "http://127.0.0.1:1";

    /** A real registry for the contexts that serve, since a server starts and registers with its context. */
    private static MeshRegistry registry;

    @BeforeAll
    static void startRegistry(@TempDir Path dir) {
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir)
                .build()
                .start()
                .join();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class));

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
                .withPropertyValues(
                        "spring.application.name=orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.zone=eu-1a",
                        "mesh.weight=30",
                        "mesh.metadata.version=v2",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s")
                .run(context -> {
                    assertThat(context).hasSingleBean(MeshServer.class);
                    final MeshServer server = context.getBean(MeshServer.class);
                    assertThat(server.service()).isEqualTo(ServiceName.of("orders"));
                    assertThat(server.admin()).isNull();
                    assertThat(RegistryAccess.ADMIN_CLIENT
                                    .get(registry)
                                    .instances(ServiceName.of("orders"))
                                    .join()
                                    .instances())
                            .singleElement()
                            .satisfies(instance -> {
                                assertThat(instance.zone()).isEqualTo("eu-1a");
                                assertThat(instance.weight()).isEqualTo(30);
                                assertThat(instance.metadata()).containsEntry("version", "v2");
                            });
                });
    }

    /** A gRPC service bean, as grpc-spring-boot-starter's users declare them: its own health service. */
    static final class OwnHealth extends HealthGrpc.HealthImplBase {
        @Override
        public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responses) {
            // The mesh's own health service knows no such name: this answer can only come from this bean.
            responses.onNext(HealthCheckResponse.newBuilder()
                    .setStatus(
                            request.getService().equals("orders.Orders")
                                    ? HealthCheckResponse.ServingStatus.SERVING
                                    : HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN)
                    .build());
            responses.onCompleted();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ServesGrpc {
        @Bean
        OwnHealth ownHealth() {
            return new OwnHealth();
        }

        @Bean
        MeshServerCustomizer withoutTheMeshsHealthService() {
            return builder -> builder.grpcHealth(false);
        }
    }

    @Test
    void anApplicationWithGrpcServiceBeansGetsAServerThatServesThem() {
        runner.withUserConfiguration(ServesGrpc.class)
                .withPropertyValues(
                        "spring.application.name=grpc-orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s")
                .run(context -> {
                    assertThat(context).hasSingleBean(MeshServer.class);
                    final MeshClient mesh = context.getBean(MeshClient.class);
                    mesh.webClient("grpc-orders"); // the watch of a service starts with its first client
                    await().atMost(Duration.ofSeconds(5))
                            .until(() -> mesh.endpoints(ServiceName.of("grpc-orders"))
                                            .size()
                                    == 1);
                    final HealthGrpc.HealthBlockingStub health =
                            mesh.grpcClient("grpc-orders", HealthGrpc.HealthBlockingStub.class);
                    assertThat(health.check(HealthCheckRequest.newBuilder()
                                            .setService("orders.Orders")
                                            .build())
                                    .getStatus())
                            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                });
    }

    @Test
    void meshServiceOverridesTheApplicationName() {
        runner.withUserConfiguration(ServesOrders.class)
                .withPropertyValues(
                        "spring.application.name=orders-app",
                        "mesh.service=orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.drain-period=0s")
                .run(context -> assertThat(
                                context.getBean(MeshServer.class).service().value())
                        .isEqualTo("orders"));
    }

    @Test
    void nothingWhenTheMeshIsDisabledNotEvenACheckOfItsProperties() {
        // No registry, no name, a @MeshService bean: none of it matters once the mesh is off.
        runner.withUserConfiguration(ServesOrders.class)
                .withPropertyValues("mesh.enabled=false", "mesh.weight=0")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(MeshSettings.class);
                    assertThat(context).doesNotHaveBean(MeshClient.class);
                    assertThat(context).doesNotHaveBean(MeshServer.class);
                    assertThat(context).doesNotHaveBean(MeshTelemetry.class);
                    assertThat(context).doesNotHaveBean(WorkloadIdentity.class);
                    assertThat(context).doesNotHaveBean(AdminServer.class);
                });
    }

    /** Two customizers of each kind, declared in the reverse of their order. */
    @Configuration(proxyBeanMethods = false)
    static class OrderedCustomizers {
        @Bean
        @Order(2)
        MeshClientCustomizer secondClientCustomizer() {
            return builder -> builder.stack(s -> s.append(Layer.of(Role.perAttempt("SECOND"), client -> client)));
        }

        @Bean
        @Order(1)
        MeshClientCustomizer firstClientCustomizer() {
            return builder -> builder.stack(s -> s.append(Layer.of(Role.perAttempt("FIRST"), client -> client)));
        }

        @Bean
        @Order(2)
        MeshServerCustomizer secondServerCustomizer() {
            return builder -> builder.stack(s -> s.append(Layer.of(Role.of("SECOND"), service -> service)));
        }

        @Bean
        @Order(1)
        MeshServerCustomizer firstServerCustomizer() {
            return builder -> builder.stack(s -> s.append(Layer.of(Role.of("FIRST"), service -> service)));
        }
    }

    @Test
    void customizersAreAppliedInTheirOrderNotInTheOrderTheyAreDeclared() {
        runner.withUserConfiguration(ServesOrders.class, OrderedCustomizers.class)
                .withPropertyValues(
                        "spring.application.name=orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s")
                .run(context -> {
                    final List<Role> client =
                            context.getBean(MeshClient.class).stack().roles();
                    assertThat(client.subList(client.size() - 2, client.size()))
                            .containsExactly(Role.of("FIRST"), Role.of("SECOND"));
                    final List<Role> server =
                            context.getBean(MeshServer.class).stack().roles();
                    assertThat(server.subList(server.size() - 2, server.size()))
                            .containsExactly(Role.of("FIRST"), Role.of("SECOND"));
                });
    }

    @Test
    void theApplicationsOwnServerWinsAndStillRegistersAndDeregistersWithTheContext() {
        final ServiceName reports = ServiceName.of("reports");
        runner.withUserConfiguration(ServesOrders.class)
                .withPropertyValues("spring.application.name=orders", "mesh.registry=" + registry.uri(), "mesh.tls=off")
                .withBean(
                        MeshServer.class,
                        () -> MeshServer.builder("reports", registry.uri())
                                .plaintext()
                                .advertisedHost("127.0.0.1")
                                .drainPeriod(Duration.ZERO)
                                .annotatedService(new OrdersApi())
                                .build())
                .run(context -> {
                    assertThat(context).hasSingleBean(MeshServer.class);
                    assertThat(context.getBean(MeshServer.class).service()).isEqualTo(reports);
                    assertThat(RegistryAccess.ADMIN_CLIENT
                                    .get(registry)
                                    .instances(reports)
                                    .join()
                                    .instances())
                            .hasSize(1);
                    assertThat(RegistryAccess.ADMIN_CLIENT
                                    .get(registry)
                                    .instances(ServiceName.of("orders"))
                                    .join()
                                    .instances())
                            .isEmpty();
                });
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .instances(reports)
                        .join()
                        .instances())
                .isEmpty();
    }

    @Test
    void theApplicationsOwnSettingsWin() {
        // A bean of its own replaces the checks of the properties, as for every other bean here.
        final MeshProperties properties = new MeshProperties();
        properties.setRegistry(NOWHERE);
        properties.setTls(false);
        properties.setService("billing");
        runner.withPropertyValues("mesh.tls=off")
                .withBean(MeshSettings.class, () -> MeshSettings.check(properties, new StandardEnvironment()))
                .run(context -> assertThat(
                                context.getBean(MeshTelemetry.class).config().serviceName())
                        .isEqualTo("billing"));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        final MeshClient own =
                MeshClient.builder(URI.create(NOWHERE)).plaintext().build();
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
                .withBean(MeshClient.class, () -> own)
                .run(context -> assertThat(context.getBean(MeshClient.class)).isSameAs(own));
        own.close();
    }

    @Test
    void aDiscoveryPropertyFeedsItsServiceFromAnotherBackend() {
        final com.linecorp.armeria.server.Server legacy = com.linecorp.armeria.server.Server.builder()
                .http(new java.net.InetSocketAddress("127.0.0.1", 0))
                .service("/", (ctx, req) -> com.linecorp.armeria.common.HttpResponse.of("legacy"))
                .build();
        legacy.start().join();
        try {
            runner.withPropertyValues(
                            "spring.application.name=frontend",
                            "mesh.registry=" + registry.uri(),
                            "mesh.tls=off",
                            "mesh.services.legacy.discovery=static:127.0.0.1:" + legacy.activeLocalPort(),
                            "mesh.services.legacy.transport=plaintext")
                    .run(context -> {
                        final MeshClient client = context.getBean(MeshClient.class);
                        assertThat(client.webClient("legacy")
                                        .get("/")
                                        .aggregate()
                                        .join()
                                        .contentUtf8())
                                .isEqualTo("legacy");
                        assertThat(client.endpoints(ServiceName.of("legacy")))
                                .extracting(com.linecorp.armeria.client.Endpoint::port)
                                .containsExactly(legacy.activeLocalPort());
                    });
        } finally {
            legacy.close();
        }
    }

    @Test
    void propertiesSetDefaultAndPerServicePoliciesAndCustomizersAdjustTheRest() {
        final Layer<HttpClient> audit = Layer.of(Role.perAttempt("AUDIT"), client -> client);
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.client.timeout=3s",
                        "mesh.client.max-attempts=2",
                        "mesh.services.orders.timeout=500ms")
                .withBean(MeshClientCustomizer.class, () -> builder -> builder.stack(s -> s.append(audit)))
                .run(context -> {
                    final MeshClient client = context.getBean(MeshClient.class);
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("orders"))
                                    .timeout())
                            .isEqualTo(Duration.ofMillis(500));
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("inventory"))
                                    .timeout())
                            .isEqualTo(Duration.ofSeconds(3));
                    assertThat(client.policies()
                                    .policyFor(ServiceName.of("inventory"))
                                    .retry()
                                    .maxAttempts())
                            .isEqualTo(2);
                    assertThat(client.stack().roles()).contains(Role.of("AUDIT"));
                });
    }

    @Test
    void telemetryPropertiesMakeOneTelemetryThatTheClientAndTheServerShare() {
        runner.withUserConfiguration(ServesOrders.class)
                .withPropertyValues(
                        "spring.application.name=orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s",
                        "mesh.admin-port=0",
                        "mesh.telemetry.zipkin-endpoint=http://127.0.0.1:9411/api/v2/spans",
                        "mesh.telemetry.otlp-endpoint=http://127.0.0.1:4318/v1/traces",
                        "mesh.telemetry.sampling-ratio=0.25",
                        "mesh.telemetry.report-interval=30s")
                .run(context -> {
                    final MeshTelemetry telemetry = context.getBean(MeshTelemetry.class);
                    final TelemetryConfig config = telemetry.config();
                    assertThat(config.serviceName()).isEqualTo("orders");
                    assertThat(config.zipkinEndpoint()).isEqualTo(URI.create("http://127.0.0.1:9411/api/v2/spans"));
                    assertThat(config.otlpEndpoint()).isEqualTo(URI.create("http://127.0.0.1:4318/v1/traces"));
                    assertThat(config.samplingRatio()).isEqualTo(0.25);
                    assertThat(config.reportInterval()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(context.getBean(MeshClient.class).telemetry()).isSameAs(telemetry);
                    assertThat(context.getBean(MeshServer.class).admin().telemetry())
                            .isSameAs(telemetry);
                });
    }

    @Test
    void withoutTelemetryPropertiesTheApplicationStillHasItsOwnTelemetryExportingNothing() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
                .run(context -> {
                    final MeshTelemetry telemetry = context.getBean(MeshTelemetry.class);
                    assertThat(telemetry).isNotSameAs(MeshTelemetry.shared());
                    assertThat(telemetry.config().samplingRatio()).isEqualTo(1.0);
                    assertThat(telemetry.config().reportInterval()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(telemetry.config().zipkinEndpoint()).isNull();
                    assertThat(telemetry.config().otlpEndpoint()).isNull();
                    assertThat(context.getBean(MeshClient.class).telemetry()).isSameAs(telemetry);
                });
    }

    @Test
    void theApplicationsOwnTelemetryWins() {
        final MeshTelemetry own =
                MeshTelemetry.of(TelemetryConfig.builder().serviceName("mine").build());
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
                .withBean(MeshTelemetry.class, () -> own)
                .run(context -> assertThat(context.getBean(MeshClient.class).telemetry())
                        .isSameAs(own));
        own.close();
    }

    @Test
    void theServersAdminPortServesMetricsAndBothStacks() {
        runner.withUserConfiguration(ServesOrders.class)
                .withPropertyValues(
                        "spring.application.name=orders",
                        "mesh.registry=" + registry.uri(),
                        "mesh.tls=off",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s",
                        "mesh.admin-port=0")
                .run(context -> {
                    // The server owns it: no second admin endpoint beside it.
                    assertThat(context).doesNotHaveBean(AdminServer.class);
                    final WebClient admin = WebClient.of("http://127.0.0.1:"
                            + context.getBean(MeshServer.class).admin().port());
                    assertThat(admin.get("/stacks").aggregate().join().contentUtf8())
                            .contains("orders inbound: plaintext listener -> per request: [TRACING + METRICS + AUTHZ")
                            .contains("orders outbound: per call: [TRACING + METRICS + ROUTING")
                            .contains("RETRY | per attempt: [BREAKER + LOAD_FEEDBACK] -> plaintext");
                    assertThat(admin.get("/metrics").aggregate().join().status().code())
                            .isEqualTo(200);
                });
    }

    @Test
    void aClientOnlyApplicationGetsItsOwnAdminEndpointWhenItAsksForOne() {
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.admin-port=0")
                .run(context -> {
                    final AdminServer admin = context.getBean(AdminServer.class);
                    assertThat(admin.telemetry()).isSameAs(context.getBean(MeshTelemetry.class));
                    assertThat(admin.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                    final WebClient http = WebClient.of("http://127.0.0.1:" + admin.port());
                    assertThat(http.get("/stacks").aggregate().join().contentUtf8())
                            .contains("frontend outbound: per call: [TRACING + METRICS + ROUTING");
                    final AggregatedHttpResponse metrics =
                            http.get("/metrics").aggregate().join();
                    assertThat(metrics.status().code()).isEqualTo(200);
                });
    }

    @Test
    void theAdminEndpointListensOnTheAddressThatMeshAdminAddressNames() {
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.admin-port=0",
                        "mesh.admin-address=0.0.0.0")
                .run(context -> {
                    final AdminServer admin = context.getBean(AdminServer.class);
                    assertThat(admin.address().getAddress().isAnyLocalAddress()).isTrue();
                    assertThat(WebClient.of("http://127.0.0.1:" + admin.port())
                                    .get("/healthz")
                                    .aggregate()
                                    .join()
                                    .status()
                                    .code())
                            .isEqualTo(200);
                });
    }

    @Test
    void noAdminEndpointUnlessAskedFor() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off")
                .run(context -> assertThat(context).doesNotHaveBean(AdminServer.class));
    }

    @Test
    void anAdminPortInUseFailsTheStartSayingToPickAnother() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            runner.withPropertyValues(
                            "spring.application.name=frontend", "mesh.registry=" + NOWHERE,
                            "mesh.tls=off", "mesh.admin-port=" + taken.getLocalPort())
                    .run(context -> {
                        final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                        assertThat(analysis.getDescription())
                                .contains("mesh.admin-port: port " + taken.getLocalPort() + " is in use");
                        assertThat(analysis.getAction()).contains("Set mesh.admin-port to a free port, or to 0");
                    });
        }
    }

    @Test
    void anAdminPortOutOfRangeFailsTheStartNamingIt() {
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.admin-port=70000")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("mesh.admin-port: 70000 is not a port");
                    assertThat(analysis.getAction()).contains("from 1 to 65535, 0 for any free one");
                });
    }

    @Test
    void badTelemetryPropertiesFailTheStartNamingTheProperty() {
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.telemetry.sampling-ratio=1.5")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("mesh.telemetry.sampling-ratio: samplingRatio: 1.5");
                    assertThat(analysis.getAction()).contains("from 0.0 (no new trace kept) to 1.0");
                });
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.telemetry.zipkin-endpoint=zipkin:9411")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.telemetry.zipkin-endpoint: zipkinEndpoint: "
                                    + "zipkin:9411 (expected: an http or https URI");
                    assertThat(analysis.getAction()).contains("http://zipkin:9411/api/v2/spans");
                });
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.telemetry.otlp-endpoint=collector")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.telemetry.otlp-endpoint: otlpEndpoint: " + "collector");
                    assertThat(analysis.getAction()).contains("http://collector:4318/v1/traces");
                });
    }

    @Test
    void withoutAServiceNameTheStartFailsSayingWhichPropertyToSet() {
        runner.withPropertyValues("mesh.registry=" + NOWHERE, "mesh.tls=off").run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains("mesh.service: not set, and neither is " + "spring.application.name");
            assertThat(analysis.getAction()).contains("Set mesh.service (or spring.application.name)");
        });
    }

    @Test
    void aRegistryAddressThatDoesNotParseFailsTheStartSayingHowToWriteIt() {
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=registry:7070 ?")
                .run(ctx -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(ctx.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("mesh.registry: 'registry:7070 ?'");
                    assertThat(analysis.getAction()).contains("https://registry.internal:7070");
                });
        runner.withPropertyValues("spring.application.name=frontend", "mesh.registry=http://registry:7070")
                .run(ctx -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(ctx.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("is not https://<host>:<port> (the mesh speaks TLS");
                    assertThat(analysis.getAction()).contains("or mesh.tls=off");
                });
    }

    @Test
    void anUnreadableTokenFileFailsTheStartNamingTheProperty(@TempDir Path dir) throws Exception {
        final Path bundle = Files.writeString(dir.resolve("bundle.pem"), "not checked before the token");
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=https://127.0.0.1:1",
                        "mesh.join-token-file=" + dir.resolve("missing.token"),
                        "mesh.trust-bundle-file=" + bundle)
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.join-token-file: " + dir.resolve("missing.token") + " cannot be read");
                    assertThat(analysis.getAction()).contains("meshctl token create --service frontend");
                });
    }

    @Test
    void aTrustBundleFileWithoutCertificatesFailsTheStartNamingTheProperty(@TempDir Path dir) throws Exception {
        final Path token = Files.writeString(dir.resolve("frontend.token"), "a token");
        final Path bundle = Files.writeString(dir.resolve("bundle.pem"), "not a certificate");
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=https://127.0.0.1:1",
                        "mesh.join-token-file=" + token,
                        "mesh.trust-bundle-file=" + bundle)
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.trust-bundle-file: " + bundle + ": trust bundle:");
                    assertThat(analysis.getAction()).contains("<registry data dir>/trust-bundle.pem");
                });
    }

    @Test
    void aPropertyOfTheWrongTypeFailsTheStartNamingIt() {
        runner.withPropertyValues(
                        "spring.application.name=frontend",
                        "mesh.registry=" + NOWHERE,
                        "mesh.tls=off",
                        "mesh.weight=heavy")
                .run(context -> {
                    final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("mesh.weight")
                            .contains("heavy");
                    assertThat(analysis.getAction()).contains("Update your application's configuration");
                });
    }
}
