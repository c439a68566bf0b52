package io.mesh4j.client.internal.tls;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509ExtendedTrustManager;

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

import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.TlsConnections;

/**
 * The TLS of every attempt: the workload's current certificate, the current trust bundle, and a verifier that
 * accepts only {@code spiffe://<trust-domain>/svc/<service>} of the service the attempt goes to (the one asked
 * for, or the one a route override sent it to). An instance of another service that answers at an address meant
 * for this one (a stale registration, a reused port, an impostor) fails the handshake, and the retry layer moves
 * the call on.
 *
 * <p>The spec goes on each attempt's context, and Armeria pools connections by it: after a renewal, new attempts
 * open connections with the new certificate while the old connections finish what they carry. After a change of
 * trust (a root retired, a certificate revoked), a client that owns its factory closes the connections whose server
 * the new trust refuses and keeps the others: they pass it, and replacing them all at once would be a handshake storm
 * on every member at the same second (the chaos suite's CA rotation saw one open every breaker). A client on a
 * factory of the user's own cannot see its connections, so its new attempts go to new connections, each verified
 * against the new trust.
 */
public final class ServiceTls {

    private final WorkloadIdentity identity;
    private final Map<ServiceName, Target> targets = new ConcurrentHashMap<>();

    /** What an attempt to one service is checked against, and the spec that says it. */
    private final class Target {
        private final SpiffeId expected;
        private final X509ExtendedTrustManager trust;
        private volatile TlsPeerVerifierFactory verifier;
        private volatile @Nullable ClientTlsSpec spec;

        Target(ServiceName service) {
            expected = SpiffeId.ofService(identity.trustDomain(), service);
            trust = identity.trustManager(expected::equals, expected.toString());
            verifier = newVerifier();
        }

        /**
         * One instance per trust state: pooled connections are keyed by the spec, and the spec by it, so that a new
         * one sends new attempts to new connections, verified against the new trust.
         */
        private TlsPeerVerifierFactory newVerifier() {
            return delegate -> (chain, authType, engine) -> trust.checkServerTrusted(chain, authType, engine);
        }

        void trustChanged() {
            verifier = newVerifier();
            spec = null;
        }

        @Nullable
        ClientTlsSpec spec() {
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
    }

    /**
     * @param connections the connections of the client's factory, to close those the trust no longer admits; null
     *     for a factory of the user's own, whose connections are left to close by themselves
     */
    public ServiceTls(WorkloadIdentity identity, @Nullable TlsConnections connections) {
        this.identity = requireNonNull(identity, "identity");
        identity.onRenewal(() -> targets.values().forEach(target -> target.spec = null));
        final X509ExtendedTrustManager anyService =
                identity.trustManager(id -> id.service().isPresent(), "a workload of " + identity.trustDomain());
        identity.onTrustChange(() -> {
            if (connections != null) {
                connections.sweep(anyService, false);
            } else {
                targets.values().forEach(Target::trustChanged);
            }
        });
    }

    /**
     * Wraps the transport of {@code service}'s client so that each attempt carries the current TLS spec of the
     * service it goes to; attempts made before the workload has its first certificate wait for it.
     */
    public HttpClient decorate(HttpClient transport, ServiceName service) {
        requireNonNull(service, "service");
        // The service asked for is where nearly every attempt goes: its target found without a map lookup (and
        // without the lambda that Target::new, capturing this, made on every attempt).
        final Target own = targets.computeIfAbsent(service, Target::new);
        return new SimpleDecoratingHttpClient(transport) {
            @Override
            public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                final ServiceName to = RouteDecision.targetOf(ctx, service);
                final Target target = to.equals(service) ? own : targets.computeIfAbsent(to, Target::new);
                final @Nullable ClientTlsSpec current = target.spec();
                if (current != null) {
                    ctx.setClientTlsSpec(current);
                    return unwrap().execute(ctx, req);
                }
                return HttpResponse.of(
                        identity.whenReady().thenApply(ready -> {
                            try (SafeCloseable ignored = ctx.push()) {
                                ctx.setClientTlsSpec(requireNonNull(target.spec(), "spec"));
                                return unwrap().execute(ctx, req);
                            } catch (Exception e) {
                                return HttpResponse.ofFailure(e);
                            }
                        }),
                        ctx.eventLoop().withoutContext());
            }
        };
    }

    @Override
    public String toString() {
        return "ServiceTls(" + identity.id() + " -> " + targets.keySet() + ')';
    }
}
