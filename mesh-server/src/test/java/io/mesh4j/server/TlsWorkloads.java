package io.mesh4j.server;

import java.time.Duration;
import java.util.List;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.client.WebClient;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Workloads of a TLS registry, as the server's tests need them: an identity that joined with a token of its own, and
 * a plain Armeria client that presents it. What each makes goes to {@code toClose}, for the test to close.
 */
final class TlsWorkloads {

    /** A started identity of {@code service}, joined with a single-use token the registry's operator made. */
    static WorkloadIdentity join(MeshRegistry registry, String service, List<AutoCloseable> toClose) {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service)
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(identity);
        return identity.start().join();
    }

    /**
     * A client of the server on {@code port} that presents {@code identity}'s certificate. It does not check the
     * server's: these tests are about what the server admits.
     */
    static WebClient clientAs(WorkloadIdentity identity, int port, List<AutoCloseable> toClose) {
        final ClientFactory factory = ClientFactory.builder()
                .tlsProvider(
                        identity.tlsProvider(),
                        ClientTlsConfig.builder()
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .build();
        toClose.add(factory);
        return WebClient.builder("https://127.0.0.1:" + port).factory(factory).build();
    }

    private TlsWorkloads() {}
}
