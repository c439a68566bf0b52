package io.mesh4j.client.internal.stack;

import java.util.List;
import java.util.function.Function;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.stack.Pass;
import io.mesh4j.core.internal.stack.Passes;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;

/** A {@link Pass} in front of the next client: the decorator each run of fused outbound layers becomes. */
public final class ClientPass extends SimpleDecoratingHttpClient {

    private final Pass<ClientRequestContext> pass;
    private final Pass.Downstream<ClientRequestContext> next;

    private ClientPass(HttpClient delegate, Pass<ClientRequestContext> pass) {
        super(delegate);
        this.pass = pass;
        next = delegate::execute;
    }

    /**
     * The whole outbound stack as the mesh client runs it: a pass per run of built-in layers, a user's own layers
     * as their decorators between them.
     *
     * @param stack the outbound stack
     * @param params what its layers read
     * @param classifier what the passes classify answers with
     * @param belowStack what runs below the last layer, per attempt (the balancer's load feedback)
     * @return the stack's decorator
     */
    public static Function<HttpClient, HttpClient> decorator(
            Stack<HttpClient> stack,
            StackParams params,
            ResponseClassifier classifier,
            List<Passes.Fused<ClientRequestContext>> belowStack) {
        return Passes.decorator(stack, params, classifier, belowStack, ClientPass::new);
    }

    /**
     * One layer's interceptor alone in a pass: the decorator of a fused layer used on its own.
     *
     * @param role the layer's role
     * @param interceptor its interceptor
     * @param classifier what the pass classifies answers with
     * @return a decorator that runs the interceptor in front of the next client
     */
    public static Function<HttpClient, HttpClient> alone(
            Role role, Interceptor<ClientRequestContext> interceptor, ResponseClassifier classifier) {
        final Pass<ClientRequestContext> pass = new Pass<>(List.of(role), List.of(interceptor), classifier);
        return delegate -> new ClientPass(delegate, pass);
    }

    @Override
    public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
        return pass.run(ctx, req, next);
    }

    @Override
    public String toString() {
        return pass.toString();
    }
}
