package io.mesh4j.server.internal.stack;

import java.util.List;
import java.util.function.Function;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.stack.Pass;
import io.mesh4j.core.internal.stack.Passes;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;

/** A {@link Pass} in front of the next service: the decorator each run of fused inbound layers becomes. */
public final class ServicePass extends SimpleDecoratingHttpService {

    private final Pass<ServiceRequestContext> pass;
    private final Pass.Downstream<ServiceRequestContext> next;

    private ServicePass(HttpService delegate, Pass<ServiceRequestContext> pass) {
        super(delegate);
        this.pass = pass;
        next = delegate::serve;
    }

    /**
     * The whole inbound stack as the mesh server runs it: a pass per run of built-in layers, a user's own layers
     * as their decorators between them.
     *
     * @param stack the inbound stack
     * @param params what its layers read
     * @param classifier what the passes classify answers with
     * @return the stack's decorator
     */
    public static Function<HttpService, HttpService> decorator(
            Stack<HttpService> stack, StackParams params, ResponseClassifier classifier) {
        return Passes.decorator(stack, params, classifier, List.of(), ServicePass::new);
    }

    /**
     * One layer's interceptor alone in a pass: the decorator of a fused layer used on its own.
     *
     * @param role the layer's role
     * @param interceptor its interceptor
     * @param classifier what the pass classifies answers with
     * @return a decorator that runs the interceptor in front of the next service
     */
    public static Function<HttpService, HttpService> alone(
            Role role, Interceptor<ServiceRequestContext> interceptor, ResponseClassifier classifier) {
        final Pass<ServiceRequestContext> pass = new Pass<>(List.of(role), List.of(interceptor), classifier);
        return delegate -> new ServicePass(delegate, pass);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        return pass.run(ctx, req, next);
    }

    @Override
    public String toString() {
        return pass.toString();
    }
}
