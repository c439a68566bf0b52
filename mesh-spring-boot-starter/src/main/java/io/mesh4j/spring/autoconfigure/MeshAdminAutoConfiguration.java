package io.mesh4j.spring.autoconfigure;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.MeshServer;

/**
 * The admin endpoint ({@code mesh.admin-port}) of an application that only calls other services. An application
 * that serves has it already: its {@link MeshServer} starts and stops it.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnProperty(prefix = "mesh", name = "admin-port")
@ConditionalOnBean({MeshClient.class, MeshTelemetry.class})
@ConditionalOnMissingBean(MeshServer.class)
public class MeshAdminAutoConfiguration {

    /**
     * The admin endpoint on {@code mesh.admin-port} (at {@code mesh.admin-address}, 127.0.0.1 unless set), started,
     * showing the outbound stack at {@code /stacks}.
     *
     * @param settings the checked settings
     * @param telemetry the application's telemetry, whose metrics {@code /metrics} serves
     * @param client the application's mesh client
     * @return the started admin server, closed with the context
     * @throws MeshConfigurationException if the port is in use, or the address is not one of this machine's
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public AdminServer meshAdminServer(MeshSettings settings, MeshTelemetry telemetry, MeshClient client) {
        final int port = requirePort(settings.properties().getAdminPort());
        final AdminServer.Builder builder = AdminServer.builder(telemetry).port(port);
        final @Nullable InetAddress address = settings.properties().getAdminAddress();
        if (address != null) {
            builder.address(address);
        }
        final AdminServer admin = builder.build().show(settings.service() + " outbound", client::describeStack);
        try {
            return admin.start();
        } catch (RuntimeException e) {
            if (address != null && isNotLocal(e)) {
                throw new MeshConfigurationException(
                        "mesh.admin-address",
                        address.getHostAddress() + " is not an address of this machine",
                        "Set mesh.admin-address to the address of one of this machine's interfaces, "
                                + "or leave it out for 127.0.0.1.");
            }
            if (isPortInUse(e)) {
                throw new MeshConfigurationException(
                        "mesh.admin-port",
                        "port " + port + " is in use",
                        "Set mesh.admin-port to a free port, or to 0 for any free one.");
            }
            throw e;
        }
    }

    private static int requirePort(@Nullable Integer port) {
        // The condition saw the property, and the settings checked its range.
        if (port == null) {
            throw new IllegalStateException("mesh.admin-port is not set");
        }
        return port;
    }

    private static boolean isNotLocal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // EADDRNOTAVAIL, as the system words it: a BindException from the JDK, an IOException from Netty.
            if (cause instanceof IOException
                    && String.valueOf(cause.getMessage()).contains("assign requested address")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPortInUse(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // The JDK's transport says BindException; Netty's native ones an IOException with the system's text.
            if (cause instanceof BindException
                    || cause instanceof IOException
                            && String.valueOf(cause.getMessage()).contains("in use")) {
                return true;
            }
        }
        return false;
    }
}
