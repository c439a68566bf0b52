package io.mesh4j.core.internal.stack;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.stack.Role;

/**
 * A run of adjacent layers executed as one: for each request, one walk over their interceptors, the request's
 * headers rebuilt once, one log listener for all of them and the answer classified once. Finagle and Linkerd 1
 * paid for their stack once per request; so does a pass, where a decorator per layer paid each layer's frame,
 * header copy, listener and futures.
 *
 * @param <C> the request's context
 */
public final class Pass<C extends RequestContext> {

    private static final Logger logger = LoggerFactory.getLogger(Pass.class);

    /** What runs below the pass: the next decorator, the transport or the service. */
    @FunctionalInterface
    public interface Downstream<C extends RequestContext> {
        /**
         * Sends the request on.
         *
         * @return the answer from below
         * @throws Exception as a client or service may
         */
        HttpResponse proceed(C ctx, HttpRequest req) throws Exception;
    }

    private final List<Role> roles;
    private final Interceptor<C>[] interceptors;
    private final boolean observesCompletion;
    private final ResponseClassifier classifier;
    private final boolean perCall;

    /**
     * A pass over {@code interceptors}, in request order.
     *
     * @param roles the roles of the layers the interceptors come from, for printing
     * @param interceptors one per role, in the same order
     * @param classifier what {@link Exchange#outcome} classifies with
     */
    @SuppressWarnings("unchecked")
    public Pass(List<Role> roles, List<? extends Interceptor<C>> interceptors, ResponseClassifier classifier) {
        if (roles.size() != interceptors.size() || interceptors.isEmpty()) {
            throw new IllegalArgumentException(
                    "a pass needs one interceptor per role, at least one: " + roles + ", " + interceptors);
        }
        this.roles = List.copyOf(roles);
        this.interceptors = interceptors.toArray(new Interceptor[0]);
        boolean observes = false;
        for (Interceptor<C> interceptor : this.interceptors) {
            observes |= requireNonNull(interceptor, "interceptor").observesCompletion();
        }
        observesCompletion = observes;
        this.classifier = requireNonNull(classifier, "classifier");
        perCall = this.roles.get(0).scope() == Role.Scope.PER_CALL;
    }

    /**
     * Runs the request through every interceptor and on {@code downstream}, unless one of them answers.
     *
     * @param ctx the request's context
     * @param req the request
     * @param downstream what is below the pass
     * @return the answer
     * @throws Exception as a decorator would
     */
    public HttpResponse run(C ctx, HttpRequest req, Downstream<C> downstream) throws Exception {
        final Exchange<C> exchange = new Exchange<>(this, ctx, req, downstream);
        if (observesCompletion) {
            // Before any interceptor runs, as each decorator registered its listener before calling on: a request
            // that fails below still completes its log, and every interceptor that passed it on hears of it.
            ctx.log().whenComplete().thenAccept(exchange);
        }
        return exchange.run(0);
    }

    /**
     * Returns the roles the pass runs, in order.
     *
     * @return the roles
     */
    public List<Role> roles() {
        return roles;
    }

    /** Whether the pass runs once per call: then a retry loop below may hand it the call's log (CallCompletion). */
    boolean perCall() {
        return perCall;
    }

    int size() {
        return interceptors.length;
    }

    Interceptor<C>[] interceptors() {
        return interceptors;
    }

    ResponseClassifier classifier() {
        return classifier;
    }

    void failedOnComplete(Interceptor<C> interceptor, RuntimeException e) {
        // One interceptor's failure must not keep the others (the span's end, the breaker's record) from running.
        logger.warn("{} failed on a complete request", interceptor, e);
    }

    @Override
    public String toString() {
        return roles.stream().map(Role::name).collect(Collectors.joining(" + ", "Pass[", "]"));
    }
}
