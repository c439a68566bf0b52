package io.mesh4j.client.tls;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientTlsSpec;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsPeerVerifierFactory;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.SpiffeTrustManager;
import io.mesh4j.core.identity.WorkloadIdentity;

/**
 * The TLS of every attempt to one service: the workload's current certificate, the current trust bundle, and a
 * verifier that accepts only {@code spiffe://<trust-domain>/svc/<service>}. An instance of another service that
 * answers at an address meant for this one (a stale registration, a reused port, an impostor) fails the
 * handshake, and the retry layer moves the call on.
 *
 * <p>The spec goes on each attempt's context, and Armeria pools connections by it: after a renewal, new attempts
 * open connections with the new certificate while the old connections finish what they carry.
 */
public final class ServiceTls {

    private final WorkloadIdentity identity;
    private final SpiffeId expected;
    private final TlsPeerVerifierFactory verifier;
    private volatile @Nullable ClientTlsSpec spec;

    public ServiceTls(WorkloadIdentity identity, ServiceName service) {
        this.identity = requireNonNull(identity, "identity");
        expected = SpiffeId.ofService(identity.trustDomain(), requireNonNull(service, "service"));
        final SpiffeTrustManager trust = identity.trustManager(expected::equals, expected.toString());
        // One instance for the client's life: pooled connections are keyed by the spec, and the spec by it.
        verifier = delegate -> (chain, authType, engine) -> trust.checkServerTrusted(chain, authType, engine);
        identity.onRenewal(() -> spec = null);
    }

    /**
     * Wraps the transport so that each attempt carries the current TLS spec; attempts made before the workload
     * has its first certificate wait for it.
     */
    public HttpClient decorate(HttpClient transport) {
        return new SimpleDecoratingHttpClient(transport) {
            @Override
            public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                final @Nullable ClientTlsSpec current = currentSpec();
                if (current != null) {
                    ctx.setClientTlsSpec(current);
                    return unwrap().execute(ctx, req);
                }
                return HttpResponse.of(identity.whenReady().thenApply(ready -> {
                    try (SafeCloseable ignored = ctx.push()) {
                        ctx.setClientTlsSpec(requireNonNull(currentSpec(), "spec"));
                        return unwrap().execute(ctx, req);
                    } catch (Exception e) {
                        return HttpResponse.ofFailure(e);
                    }
                }));
            }
        };
    }

    private @Nullable ClientTlsSpec currentSpec() {
        final ClientTlsSpec spec = this.spec;
        if (spec != null) {
            return spec;
        }
        final @Nullable TlsKeyPair keyPair = identity.keyPair();
        if (keyPair == null) {
            return null;
        }
        final ClientTlsSpec built = ClientTlsSpec.builder()
                                                 .tlsKeyPair(keyPair)
                                                 .trustedCertificates(identity.trustBundle())
                                                 .verifierFactories(verifier)
                                                 .build();
        this.spec = built;
        return built;
    }

    @Override
    public String toString() {
        return "ServiceTls(" + identity.id() + " -> " + expected + ')';
    }
}
