package io.mesh4j.spring.actuator;

import org.springframework.beans.factory.ObjectProvider;
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
 * The {@code mesh} health indicator, for applications with the actuator (Spring Boot 3.5: its health API is in
 * {@code spring-boot-actuator}). {@code management.health.mesh.enabled=false}
 * turns it off.
 */
@AutoConfiguration(after = {MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(MeshClient.class)
public class MeshHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "meshHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("mesh")
    HealthIndicator meshHealthIndicator(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshHealthIndicator(MeshView.of(server, client, identity, admin));
    }
}
