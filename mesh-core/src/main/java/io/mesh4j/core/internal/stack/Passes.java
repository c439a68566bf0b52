package io.mesh4j.core.internal.stack;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;

/**
 * Builds a stack the way the mesh runs it: every run of adjacent {@link Fusable} layers of the same scope as one
 * {@link Pass}, every other layer (a user's own) as its decorator, in the stack's order. What runs is what the
 * stack says, layer for layer; only the number of frames, header copies and listeners changes.
 */
public final class Passes {

    /**
     * Returns the function that wraps the innermost client or service in the whole stack.
     *
     * @param <T> what is wrapped
     * @param <C> the request's context
     * @param stack the layers, in request order
     * @param params what the layers read
     * @param classifier what the passes classify answers with
     * @param innermost interceptors that run below the last layer, in the last pass when the stack's last layer is
     *     fusable (the balancer's load feedback), else in a pass of their own; each with its role, for printing
     * @param asDecorator makes a decorator that runs a pass in front of the next client or service
     * @return the decorator of the whole stack
     */
    @SuppressWarnings("unchecked")
    public static <T, C extends RequestContext> Function<T, T> decorator(
            Stack<T> stack,
            StackParams params,
            ResponseClassifier classifier,
            List<Fused<C>> innermost,
            BiFunction<T, Pass<C>, T> asDecorator) {
        final List<Function<? super T, ? extends T>> decorators = new ArrayList<>();
        final List<Fused<C>> run = new ArrayList<>();
        for (Role role : stack.roles()) {
            final Layer<T> layer = stack.get(role).orElseThrow();
            if (!(layer instanceof Fusable<?> fusable)) {
                flush(run, classifier, asDecorator, decorators);
                decorators.add(requireNonNull(layer.decorator(params), () -> role + " returned no decorator"));
                continue;
            }
            if (!run.isEmpty() && run.get(run.size() - 1).role().scope() != role.scope()) {
                // A per-call layer and a per-attempt one never share a pass, with or without RETRY between them.
                flush(run, classifier, asDecorator, decorators);
            }
            run.add(new Fused<>(role, ((Fusable<C>) fusable).interceptor(params)));
        }
        for (Fused<C> below : innermost) {
            if (!run.isEmpty()
                    && run.get(run.size() - 1).role().scope() != below.role().scope()) {
                flush(run, classifier, asDecorator, decorators);
            }
            run.add(below);
        }
        flush(run, classifier, asDecorator, decorators);
        return innermostClient -> {
            T wrapped = innermostClient;
            for (int i = decorators.size() - 1; i >= 0; i--) {
                wrapped = decorators.get(i).apply(wrapped);
            }
            return wrapped;
        };
    }

    /**
     * Describes how {@code stack} runs, part by part: a run of fused layers as {@code [TRACING + METRICS]}, any
     * other layer by its role's name, each with its scope.
     *
     * @param stack the stack
     * @param innermost the roles of what runs below its last layer, fused as in {@link #decorator}
     * @return the parts, in request order
     */
    public static List<Part> describe(Stack<?> stack, List<Role> innermost) {
        final List<Part> parts = new ArrayList<>();
        final List<Role> run = new ArrayList<>();
        for (Role role : stack.roles()) {
            final boolean fusable = stack.get(role).orElseThrow() instanceof Fusable<?>;
            if (!fusable || !run.isEmpty() && run.get(run.size() - 1).scope() != role.scope()) {
                describeRun(run, parts);
            }
            if (fusable) {
                run.add(role);
            } else {
                parts.add(new Part(role.name(), role.scope()));
            }
        }
        for (Role below : innermost) {
            if (!run.isEmpty() && run.get(run.size() - 1).scope() != below.scope()) {
                describeRun(run, parts);
            }
            run.add(below);
        }
        describeRun(run, parts);
        return parts;
    }

    private static void describeRun(List<Role> run, List<Part> parts) {
        if (!run.isEmpty()) {
            parts.add(new Part(
                    run.stream().map(Role::name).collect(Collectors.joining(" + ", "[", "]")),
                    run.get(0).scope()));
            run.clear();
        }
    }

    /**
     * One part of a stack as it runs: a pass or a lone layer.
     *
     * @param text {@code [TRACING + METRICS]} for a pass, the role's name for a lone layer
     * @param scope whether it runs per call or per attempt
     */
    public record Part(String text, Role.Scope scope) {}

    private static <T, C extends RequestContext> void flush(
            List<Fused<C>> run,
            ResponseClassifier classifier,
            BiFunction<T, Pass<C>, T> asDecorator,
            List<Function<? super T, ? extends T>> decorators) {
        if (run.isEmpty()) {
            return;
        }
        final Pass<C> pass = new Pass<>(
                run.stream().map(Fused::role).toList(),
                run.stream().map(Fused::interceptor).toList(),
                classifier);
        decorators.add(next -> asDecorator.apply(next, pass));
        run.clear();
    }

    /**
     * An interceptor and the role it runs under.
     *
     * @param role the role, for printing and to keep scopes apart
     * @param interceptor the interceptor
     * @param <C> the request's context
     */
    public record Fused<C extends RequestContext>(Role role, Interceptor<C> interceptor) {}

    private Passes() {}
}
