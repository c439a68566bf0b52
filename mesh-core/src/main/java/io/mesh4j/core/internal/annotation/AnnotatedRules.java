package io.mesh4j.core.internal.annotation;

import static java.util.Objects.requireNonNull;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.annotation.PolicyAnnotation;
import io.mesh4j.core.annotation.RuleFactory;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

/**
 * Reads the policy annotations of a method, and of its class for what the method leaves out, into a route rule.
 */
public final class AnnotatedRules {

    private static final ClassValue<RuleFactory<?>> FACTORIES = new ClassValue<>() {
        @Override
        protected RuleFactory<?> computeValue(Class<?> factoryClass) {
            try {
                return (RuleFactory<?>) factoryClass.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(
                        factoryClass.getName() + " cannot be made (expected: a public "
                                + "class with a public constructor without arguments)",
                        e);
            }
        }
    };

    /**
     * The rule that {@code method}'s policy annotations declare, with {@code type}'s for what the method does not
     * declare itself; null when neither has any.
     *
     * @throws IllegalArgumentException naming the method and what is wrong: a value out of range, or annotations
     *                                  that contradict each other (a timeout shorter than the per-attempt one)
     */
    public static @Nullable RouteRule of(Method method, Class<?> type, RouteMatch match) {
        requireNonNull(method, "method");
        requireNonNull(type, "type");
        requireNonNull(match, "match");
        final RouteRule.Builder rule = RouteRule.builder(describe(method)).match(match);
        try {
            // The class's first, so that the method's own replace them.
            final boolean onType = apply(type, rule);
            final boolean onMethod = apply(method, rule);
            return onType || onMethod ? rule.build() : null;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    describe(method) + ": " + e.getMessage()
                            + " (fix the policy annotations of this method or its class)",
                    e);
        }
    }

    private static boolean apply(AnnotatedElement element, RouteRule.Builder rule) {
        boolean any = false;
        for (Annotation annotation : element.getAnnotations()) {
            final @Nullable PolicyAnnotation meta = annotation.annotationType().getAnnotation(PolicyAnnotation.class);
            if (meta != null) {
                factory(meta.value()).apply(annotation, rule);
                any = true;
            }
        }
        return any;
    }

    @SuppressWarnings("unchecked")
    private static RuleFactory<Annotation> factory(Class<? extends RuleFactory<?>> factoryClass) {
        return (RuleFactory<Annotation>) FACTORIES.get(factoryClass);
    }

    /** {@code OrdersApi.order(String)}: what a developer searches for. */
    public static String describe(Method method) {
        return method.getDeclaringClass().getSimpleName()
                + '.'
                + method.getName()
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"));
    }

    private AnnotatedRules() {}
}
