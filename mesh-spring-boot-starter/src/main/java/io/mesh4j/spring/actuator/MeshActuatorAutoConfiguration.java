package io.mesh4j.spring.actuator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.autoconfigure.MeshAdminAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * The {@code mesh} health indicator and the {@code /actuator/mesh} endpoint, for applications with the actuator.
 */
@AutoConfiguration(after = {MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(MeshClient.class)
public class MeshActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "meshHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("mesh")
    HealthIndicator meshHealthIndicator(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshHealthIndicator(view(server, client, identity, admin));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    MeshEndpoint meshEndpoint(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshEndpoint(view(server, client, identity, admin));
    }

    private static MeshView view(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshView(
                server.getIfAvailable(), client.getIfAvailable(), identity.getIfAvailable(), admin.getIfAvailable());
    }
}
