package io.mesh4j.spring.autoconfigure;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

import io.grpc.BindableService;
import io.mesh4j.client.MeshClient;
import io.mesh4j.client.MeshClientBuilder;
import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.identity.WorkloadIdentityBuilder;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * Makes the application a mesh member: its {@link WorkloadIdentity} (with TLS, the default), a {@link MeshClient}
 * to call other services by name, and, when it has {@link MeshService} beans, a {@link MeshServer} that serves
 * them, registers when the application has started, and deregisters and drains when it stops; both trace and
 * measure through one {@link MeshTelemetry}. Every bean gives way to one the application defines itself.
 * {@code mesh.enabled=false} turns it all off.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(MeshAutoConfiguration.class);

    /**
     * Checks the {@code mesh.*} properties once, before any other mesh bean is made.
     *
     * @param properties the bound properties
     * @param environment the application's environment
     * @return the checked settings
     * @throws MeshConfigurationException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    public MeshSettings meshSettings(MeshProperties properties, Environment environment) {
        // First, before any mesh bean touches Armeria: a wrong Netty fails there with a NoClassDefFoundError.
        NettyCheck.check();
        return MeshSettings.check(properties, environment);
    }

    /**
     * The workload's identity, with TLS ({@code mesh.tls}, on unless set): made from the join token and trust
     * bundle files and started. The application's start waits up to 10 seconds for the first certificate, then goes
     * on and lets the identity keep trying in the background.
     *
     * @param settings the checked settings
     * @return the started identity, with its first certificate unless the registry did not answer in time
     * @throws MeshConfigurationException if the trust bundle is not usable, or the registry refused the join token
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "mesh", name = "tls", havingValue = "true", matchIfMissing = true)
    public WorkloadIdentity meshIdentity(MeshSettings settings) {
        final MeshProperties properties = settings.properties();
        final WorkloadIdentity identity;
        try {
            // With mesh.tls on, MeshSettings.check made sure that both files are set and can be read (the token's
            // may be missing with a state dir, whose certificate then stands in for it).
            final WorkloadIdentityBuilder builder = WorkloadIdentity.builder(
                            settings.registries(), settings.service().value())
                    .trustBundleFile(requireNonNull(properties.getTrustBundleFile()));
            if (properties.getJoinTokenFile() != null) {
                builder.joinTokenFile(properties.getJoinTokenFile());
            }
            if (properties.getServiceAccountTokenFile() != null) {
                builder.serviceAccountTokenFile(properties.getServiceAccountTokenFile());
            }
            if (properties.getStateDir() != null) {
                builder.stateDir(properties.getStateDir()).stateBudget(properties.getStateBudget());
            }
            identity = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (String.valueOf(e.getMessage()).startsWith("stateBudget:")) {
                throw new MeshConfigurationException(
                        "mesh.state-budget",
                        String.valueOf(e.getMessage()),
                        "Set mesh.state-budget to how old the state in mesh.state-dir may grow before the health calls "
                                + "it stale, such as 1h.");
            }
            if (String.valueOf(e.getMessage()).startsWith("state dir:")) {
                throw new MeshConfigurationException(
                        "mesh.state-dir",
                        String.valueOf(e.getMessage()),
                        "Set mesh.state-dir to a directory this instance alone may write, such as a volume of its own; "
                                + "it is made if missing.");
            }
            // The settings saw that both files can be read; what is left to go wrong is the bundle's content.
            throw new MeshConfigurationException(
                    "mesh.trust-bundle-file",
                    properties.getTrustBundleFile() + ": " + e.getMessage(),
                    "Set mesh.trust-bundle-file to the registry's roots in PEM: <registry data dir>/trust-bundle.pem, "
                            + "or what meshctl bundle prints.");
        }
        FirstCertificate.await(identity, settings);
        return identity;
    }

    /**
     * The application's own telemetry rather than the process-wide one, so that its metrics and spans are its
     * alone, and its exporters are flushed and stopped when the context closes.
     *
     * @param settings the checked settings
     * @return a new telemetry, named after the service
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MeshTelemetry meshTelemetry(MeshSettings settings) {
        return MeshTelemetry.of(settings.telemetry());
    }

    /**
     * The application's mesh client: the balancer and policies of {@code mesh.client.*} and
     * {@code mesh.services.*}, the identity (plaintext without one), {@code mesh.zone}, the WebSocket keep-alive of
     * {@code mesh.client.websocket-ping-interval}, then every
     * {@link MeshClientCustomizer}. Closed with the context.
     *
     * @param settings the checked settings
     * @param identity the workload's identity, if there is one
     * @param telemetry the application's telemetry
     * @param customizers the customizer beans, applied in order
     * @return the built client
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MeshClient meshClient(
            MeshSettings settings,
            ObjectProvider<WorkloadIdentity> identity,
            MeshTelemetry telemetry,
            ObjectProvider<MeshClientCustomizer> customizers) {
        final MeshProperties properties = settings.properties();
        final ClientPolicySettings policies = settings.clientPolicies();
        final MeshClientBuilder builder = MeshClient.builder(settings.registries())
                .balancer(policies.balancer())
                .defaultPolicy(policies.defaults())
                .telemetry(telemetry);
        policies.services().forEach((service, policy) -> builder.policy(service.value(), policy));
        policies.discoveries()
                .forEach((service, choice) -> builder.discovery(service.value(), choice.getKey(), choice.getValue()));
        final WorkloadIdentity workload = identity.getIfAvailable();
        if (workload != null) {
            builder.identity(workload);
        } else {
            builder.plaintext();
        }
        if (properties.getStateDir() != null) {
            builder.stateDir(properties.getStateDir());
        }
        if (!properties.getZone().isEmpty()) {
            // The zone this instance registers in is the one its calls prefer.
            builder.zone(properties.getZone());
        }
        try {
            builder.webSocketPingInterval(properties.getClient().getWebsocketPingInterval());
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    "mesh.client.websocket-ping-interval",
                    String.valueOf(e.getMessage()),
                    "Set mesh.client.websocket-ping-interval to how long a WebSocket connection may stay idle before "
                            + "the mesh pings it, 100ms or more, such as 30s, or 0s for no pings.");
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /**
     * The application's mesh server, made when it has {@link MeshService} beans or gRPC services
     * ({@link BindableService} beans), which it serves: the registration
     * properties, the admin port, the identity (plaintext without one), then every {@link MeshServerCustomizer}.
     * It starts once the application has started, and stops (deregisters, drains) when the context closes.
     *
     * @param settings the checked settings
     * @param identity the workload's identity, if there is one
     * @param telemetry the application's telemetry
     * @param client the application's mesh client, whose stack the admin endpoint shows too
     * @param context the application context, where the {@code @MeshService} beans are found
     * @param customizers the customizer beans, applied in order
     * @return the built server, not started
     * @throws MeshConfigurationException if a registration value or policy annotation is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(ServesSomething.class)
    public MeshServer meshServer(
            MeshSettings settings,
            ObjectProvider<WorkloadIdentity> identity,
            MeshTelemetry telemetry,
            ObjectProvider<MeshClient> client,
            ApplicationContext context,
            ObjectProvider<MeshServerCustomizer> customizers) {
        final MeshProperties properties = settings.properties();
        final MeshServerBuilder builder;
        try {
            builder = MeshServer.builder(settings.service().value(), settings.registries())
                    // The application context stops the server, in its order: deregistered and drained before
                    // the web server's graceful shutdown begins; a JVM hook of its own would race that.
                    .stopOnShutdown(false)
                    .port(properties.getPort())
                    .zone(properties.getZone())
                    .weight(properties.getWeight())
                    .ttl(properties.getTtl())
                    .drainPeriod(properties.getDrainPeriod())
                    .telemetry(telemetry);
            if (properties.getAdminPort() != null) {
                builder.adminPort(properties.getAdminPort());
            }
            if (properties.getAdminAddress() != null) {
                builder.adminAddress(properties.getAdminAddress());
            }
            properties.getMetadata().forEach(builder::metadata);
            if (properties.getAdvertisedHost() != null) {
                builder.advertisedHost(properties.getAdvertisedHost());
            }
            if (properties.getInstanceId() != null) {
                builder.instanceId(properties.getInstanceId());
            }
        } catch (IllegalArgumentException e) {
            // The settings checked each property; what is left is a rule they do not know yet.
            throw new MeshConfigurationException(
                    "mesh.*", requireNonNullElse(e.getMessage(), e.toString()), "Correct the mesh property it names.");
        }
        context.getBeansWithAnnotation(MeshService.class).forEach((name, bean) -> {
            if (!(bean instanceof BindableService)) {
                logger.debug("serving the @MeshService bean {} through the mesh server", name);
                builder.annotatedService(bean);
            }
        });
        // gRPC services, as grpc-spring-boot-starter's @GrpcService users declare them: every BindableService bean
        // (annotated @MeshService or not), on the same port and stack.
        context.getBeansOfType(BindableService.class).forEach((name, service) -> {
            logger.debug("serving the gRPC service bean {} through the mesh server", name);
            builder.grpcService(service);
        });
        final WorkloadIdentity workload = identity.getIfAvailable();
        if (workload != null) {
            builder.identity(workload);
        } else {
            builder.plaintext();
        }
        if (properties.getStateDir() != null) {
            builder.stateDir(properties.getStateDir());
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        final MeshServer server;
        try {
            server = builder.build();
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    "mesh.*", requireNonNullElse(e.getMessage(), e.toString()), "Correct the mesh property it names.");
        }
        final MeshClient outbound = client.getIfAvailable();
        if (server.admin() != null && outbound != null) {
            // One admin endpoint per application: it shows the outbound stack beside the server's.
            server.admin().show(server.service() + " outbound", outbound::describeStack);
        }
        return server;
    }

    @Bean
    @ConditionalOnBean(MeshServer.class)
    @ConditionalOnMissingBean
    MeshServerLifecycle meshServerLifecycle(MeshServer server) {
        return new MeshServerLifecycle(server);
    }

    /**
     * The application's TCP forwards, one per {@code mesh.tcp-forward.<service>}, listening from the start.
     *
     * @param settings the checked settings
     * @param client the application's mesh client, whose identity and discovery the forwards use
     * @return the forwards, none without the property
     * @throws MeshConfigurationException if a forward's service or port is wrong, or it cannot listen
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MeshTcpForwards meshTcpForwards(MeshSettings settings, MeshClient client) {
        return new MeshTcpForwards(client, settings.properties().getTcpForward());
    }

    /** The application serves something: a {@link MeshService} bean, or a gRPC service bean. */
    static final class ServesSomething extends AnyNestedCondition {

        ServesSomething() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(annotation = MeshService.class)
        static final class AnnotatedService {}

        @ConditionalOnBean(BindableService.class)
        static final class GrpcService {}
    }
}
