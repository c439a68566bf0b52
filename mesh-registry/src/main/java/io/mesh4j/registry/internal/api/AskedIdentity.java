package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNullElse;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.IdentityJson;

/**
 * What a certificate request asks for, read and checked on its own: a CSR with an allowed key and a valid
 * signature, for {@code spiffe://<trust-domain>/svc/<service>} of this registry. Whether the caller may have that
 * identity is the next question, asked by whoever proves the caller (a join token, a certificate, a Kubernetes
 * service account).
 */
record AskedIdentity(CertificateRequests.CheckedRequest csr, SpiffeId id, ServiceName service) {

    /** Why a request asks for nothing the registry issues: the answer's code and message. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        /** The answer's code; an enum, serializable as it is. */
        final ErrorCode code;

        Refused(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    static AskedIdentity read(byte[] body, String trustDomain) throws Refused {
        final IdentityJson.CsrRequest request = IdentityJson.parseCsrRequest(body);
        final CertificateRequests.CheckedRequest csr;
        try {
            csr = CertificateRequests.check(request.csr());
        } catch (IllegalArgumentException e) {
            throw new Refused(ErrorCode.INVALID_CSR, requireNonNullElse(e.getMessage(), e.toString()));
        }
        final SpiffeId requested = csr.requestedId();
        if (!requested.trustDomain().equals(trustDomain)) {
            throw new Refused(
                    ErrorCode.FORBIDDEN,
                    "the certificate request asks for " + requested + ", outside this registry's trust domain "
                            + trustDomain);
        }
        final @Nullable ServiceName service = requested.service().orElse(null);
        if (service == null) {
            throw new Refused(
                    ErrorCode.FORBIDDEN,
                    "the certificate request asks for " + requested + "; workloads are issued spiffe://" + trustDomain
                            + "/svc/<service> only");
        }
        return new AskedIdentity(csr, requested, service);
    }
}
