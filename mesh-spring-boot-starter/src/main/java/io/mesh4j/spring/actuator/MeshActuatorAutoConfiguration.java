package io.mesh4j.spring.actuator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
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
 * The {@code /actuator/mesh} endpoint, for applications with the actuator. The endpoint API is the same on Spring
 * Boot 3.5 and 4; the health indicator, whose API moved in Boot 4, is {@link MeshHealthAutoConfiguration}'s.
 */
@AutoConfiguration(after = {MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class})
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(MeshClient.class)
public class MeshActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    MeshEndpoint meshEndpoint(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshEndpoint(MeshView.of(server, client, identity, admin));
    }
}
