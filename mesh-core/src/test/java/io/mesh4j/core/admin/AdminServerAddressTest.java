package io.mesh4j.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.SessionProtocol;

import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;

/**
 * The admin endpoint shows the process's wiring and asks no credentials (issue 16): only this machine reaches it
 * unless its address is chosen explicitly.
 */
class AdminServerAddressTest {

    @Test
    void byDefaultItAnswersOnLoopbackAndRefusesConnectionsOnTheMachinesOtherAddresses() throws Exception {
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());
                AdminServer admin =
                        AdminServer.builder(telemetry).port(0).build().start()) {
            assertThat(admin.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(status(InetAddress.getByName("127.0.0.1"), admin.port())).isEqualTo(200);

            final Optional<InetAddress> other = nonLoopbackAddress();
            assumeTrue(
                    other.isPresent(),
                    "this machine has no non-loopback address to try a connection on; the bound address was checked");
            assertThatThrownBy(() -> connect(other.get(), admin.port()))
                    .as("a connection to %s:%s", other.get().getHostAddress(), admin.port())
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void anAddressChosenExplicitlyIsTheOneItListensOn() throws Exception {
        final InetAddress wildcard = InetAddress.getByName("0.0.0.0");
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());
                AdminServer admin = AdminServer.builder(telemetry)
                        .port(0)
                        .address(wildcard)
                        .build()
                        .start()) {
            assertThat(admin.address().getAddress().isAnyLocalAddress()).isTrue();
            assertThat(status(InetAddress.getByName("127.0.0.1"), admin.port())).isEqualTo(200);
            final Optional<InetAddress> other = nonLoopbackAddress();
            if (other.isPresent()) {
                // What a Prometheus on another host does: it reaches the machine by an address of its network.
                assertThat(status(other.get(), admin.port())).isEqualTo(200);
            }
        }
        final Optional<InetAddress> other = nonLoopbackAddress();
        assumeTrue(other.isPresent(), "this machine has no non-loopback address to listen on alone");
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());
                AdminServer admin = AdminServer.builder(telemetry)
                        .port(0)
                        .address(other.get())
                        .build()
                        .start()) {
            assertThat(admin.address().getAddress()).isEqualTo(other.get());
            assertThat(status(other.get(), admin.port())).isEqualTo(200);
        }
    }

    private static int status(InetAddress address, int port) {
        return WebClient.of(SessionProtocol.HTTP, Endpoint.of(address.getHostAddress(), port))
                .get("/healthz")
                .aggregate()
                .join()
                .status()
                .code();
    }

    private static void connect(InetAddress address, int port) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2_000);
        }
    }

    /**
     * An address of an interface that is up and not loopback: IPv4 first, then IPv6 other than link-local, whose
     * scope would have to be named.
     */
    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        InetAddress ipv6 = null;
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address.isLoopbackAddress() || address.isLinkLocalAddress()) {
                    continue;
                }
                if (address instanceof Inet4Address) {
                    return Optional.of(address);
                }
                if (address instanceof Inet6Address && ipv6 == null) {
                    ipv6 = address;
                }
            }
        }
        return Optional.ofNullable(ipv6);
    }
}
