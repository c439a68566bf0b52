package io.mesh4j.registry.internal.kubernetes;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;

/** What a service-account token proves: a service to issue for, or why nothing is issued. */
public sealed interface Review {

    /** The token is the service account {@code namespace/account}, which joins as {@code service}. */
    record Admitted(ServiceName service, String namespace, String account) implements Review {
        /** Such as {@code service account shop/orders}, for the log. */
        public String describe() {
            return "service account " + namespace + '/' + account;
        }
    }

    /** Nothing is issued: {@code code} and {@code message} are the registry's answer to the workload. */
    record Refused(ErrorCode code, String message) implements Review {}
}
