package io.mesh4j.client.internal.typed;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientRequestContextCaptor;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.RequestPreparationSetters;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientRequestPreparation;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.QueryParamsBuilder;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Head;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Options;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Patch;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;

import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.typed.MeshCallException;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.annotation.AnnotatedRules;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

/**
 * One method of a typed client, read once when the client is made: its HTTP method and path, where each argument
 * goes (a path variable, a query parameter, a header, the JSON body), how the answer is read, and the rule its
 * policy annotations declare.
 */
final class TypedMethod {

    private static final Pattern PATH_VARIABLE =
            Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}|:([A-Za-z_][A-Za-z0-9_]*)");

    private enum Kind {
        PATH,
        QUERY,
        HEADER,
        BODY
    }

    private record Argument(Kind kind, String name) {}

    private final String description;
    private final ServiceName service;
    private final HttpMethod httpMethod;
    private final String pathTemplate;
    private final List<Argument> arguments;
    private final @Nullable RouteRule rule;
    private final boolean async;
    private final JavaType resultType;
    private final ObjectMapper mapper;

    private TypedMethod(
            String description,
            ServiceName service,
            HttpMethod httpMethod,
            String pathTemplate,
            List<Argument> arguments,
            @Nullable RouteRule rule,
            boolean async,
            JavaType resultType,
            ObjectMapper mapper) {
        this.description = description;
        this.service = service;
        this.httpMethod = httpMethod;
        this.pathTemplate = pathTemplate;
        this.arguments = arguments;
        this.rule = rule;
        this.async = async;
        this.resultType = resultType;
        this.mapper = mapper;
    }

    /**
     * @throws IllegalArgumentException naming the method and what is wrong with it
     */
    static TypedMethod of(Class<?> iface, ServiceName service, Method method, ObjectMapper mapper) {
        final String description = AnnotatedRules.describe(method);
        final List<Mapping> mappings = new ArrayList<>();
        for (Annotation annotation : method.getAnnotations()) {
            final @Nullable Mapping mapping = Mapping.of(annotation);
            if (mapping != null) {
                mappings.add(mapping);
            }
        }
        if (mappings.size() != 1) {
            throw new IllegalArgumentException(description + ": " + mappings.size() + " mapping annotations "
                    + "(expected: exactly one of @Get, @Post, @Put, @Delete, @Patch, "
                    + "@Head, @Options, such as @Get(\"/orders/{id}\"))");
        }
        final Mapping mapping = mappings.get(0);
        if (!mapping.path().startsWith("/")) {
            throw new IllegalArgumentException(description + ": path '" + mapping.path() + "' (expected: a path "
                    + "starting with /, such as /orders/{id})");
        }
        final Set<String> variables = new LinkedHashSet<>();
        final Matcher m = PATH_VARIABLE.matcher(mapping.path());
        while (m.find()) {
            variables.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        final List<Argument> arguments = new ArrayList<>();
        int bodies = 0;
        for (Parameter parameter : method.getParameters()) {
            final @Nullable Param param = parameter.getAnnotation(Param.class);
            final @Nullable Header header = parameter.getAnnotation(Header.class);
            if (param != null) {
                final String name = param.value().isEmpty() ? parameter.getName() : param.value();
                arguments.add(new Argument(variables.remove(name) ? Kind.PATH : Kind.QUERY, name));
            } else if (header != null) {
                arguments.add(
                        new Argument(Kind.HEADER, header.value().isEmpty() ? parameter.getName() : header.value()));
            } else {
                bodies++;
                arguments.add(new Argument(Kind.BODY, parameter.getName()));
            }
        }
        if (!variables.isEmpty()) {
            throw new IllegalArgumentException(
                    description + ": no @Param for the path variables " + variables + " of " + mapping.path());
        }
        if (bodies > 1) {
            throw new IllegalArgumentException(description + ": " + bodies + " parameters without @Param or "
                    + "@Header (expected: at most one, the JSON body)");
        }
        final Type returnType = method.getGenericReturnType();
        final boolean async =
                method.getReturnType() == CompletableFuture.class || method.getReturnType() == CompletionStage.class;
        final Type resultType = async ? futureValueType(returnType, description) : returnType;
        final RouteRule rule = AnnotatedRules.of(
                method,
                iface,
                new RouteMatch(
                        PathMatch.of(
                                variables.isEmpty()
                                                && !mapping.path().contains("{")
                                                && !mapping.path().contains(":")
                                        ? PathMatch.Kind.EXACT
                                        : PathMatch.Kind.TEMPLATE,
                                mapping.path().replaceAll(":([A-Za-z_][A-Za-z0-9_]*)", "{$1}")),
                        Set.of(mapping.method()),
                        Map.of()));
        return new TypedMethod(
                description,
                service,
                mapping.method(),
                mapping.path(),
                List.copyOf(arguments),
                rule,
                async,
                mapper.getTypeFactory().constructType(resultType),
                mapper);
    }

    private static Type futureValueType(Type returnType, String description) {
        if (returnType instanceof ParameterizedType) {
            return ((ParameterizedType) returnType).getActualTypeArguments()[0];
        }
        throw new IllegalArgumentException(description + ": a raw " + returnType.getTypeName() + " (expected: "
                + "CompletableFuture<T> with its T, such as CompletableFuture<Order>)");
    }

    /** The HTTP method and path of a mapping annotation. */
    private record Mapping(HttpMethod method, String path) {
        static @Nullable Mapping of(Annotation annotation) {
            if (annotation instanceof Get) {
                return new Mapping(HttpMethod.GET, ((Get) annotation).value());
            }
            if (annotation instanceof Post) {
                return new Mapping(HttpMethod.POST, ((Post) annotation).value());
            }
            if (annotation instanceof Put) {
                return new Mapping(HttpMethod.PUT, ((Put) annotation).value());
            }
            if (annotation instanceof Delete) {
                return new Mapping(HttpMethod.DELETE, ((Delete) annotation).value());
            }
            if (annotation instanceof Patch) {
                return new Mapping(HttpMethod.PATCH, ((Patch) annotation).value());
            }
            if (annotation instanceof Head) {
                return new Mapping(HttpMethod.HEAD, ((Head) annotation).value());
            }
            if (annotation instanceof Options) {
                return new Mapping(HttpMethod.OPTIONS, ((Options) annotation).value());
            }
            return null;
        }
    }

    /**
     * Makes the call with {@code args}; returns the decoded answer, or its future. The wait ends by the call's
     * timeout, its wait for an endpoint included: the stack's DEADLINE and the endpoint wait before it see to it.
     */
    @Nullable
    Object invoke(WebClient client, @Nullable Object[] args) throws Throwable {
        final CompletableFuture<@Nullable Object> result = call(client, args != null ? args : new Object[0]);
        if (async) {
            return result;
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            throw e.getCause() != null ? e.getCause() : e;
        }
    }

    /** As {@link #invoke}, with {@code fallback} answering instead when the mesh gives up on the call. */
    @Nullable
    Object invoke(WebClient client, @Nullable Object[] args, FallbackTarget fallback, Object proxy) throws Throwable {
        if (!async) {
            try {
                return invoke(client, args);
            } catch (Throwable why) {
                if (!FallbackTarget.applies(why)) {
                    throw why;
                }
                return fallback.call(proxy, args, why);
            }
        }
        final CompletableFuture<@Nullable Object> result = call(client, args != null ? args : new Object[0]);
        return result.exceptionallyCompose(failure -> {
            final Throwable why =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!FallbackTarget.applies(why)) {
                return CompletableFuture.failedFuture(why);
            }
            try {
                final @Nullable Object answer = fallback.call(proxy, args, why);
                return answer instanceof CompletionStage<?> stage
                        ? stage.toCompletableFuture().thenApply(value -> (@Nullable Object) value)
                        : CompletableFuture.completedFuture(answer);
            } catch (Throwable t) {
                t.addSuppressed(why);
                return CompletableFuture.failedFuture(t);
            }
        });
    }

    private CompletableFuture<@Nullable Object> call(WebClient client, @Nullable Object[] args) throws Exception {
        String path = pathTemplate;
        final QueryParamsBuilder query = QueryParams.builder();
        final WebClientRequestPreparation request = client.prepare();
        byte[] body = null;
        for (int i = 0; i < arguments.size(); i++) {
            final Argument argument = arguments.get(i);
            final @Nullable Object value = args[i];
            switch (argument.kind()) {
                case PATH:
                    if (value == null) {
                        throw new IllegalArgumentException(
                                description + ": path variable '" + argument.name() + "' is null");
                    }
                    final String encoded = URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8)
                            .replace("+", "%20");
                    path = path.replace('{' + argument.name() + '}', encoded).replace(':' + argument.name(), encoded);
                    break;
                case QUERY:
                    if (value != null) {
                        query.add(argument.name(), String.valueOf(value));
                    }
                    break;
                case HEADER:
                    if (value != null) {
                        request.header(argument.name(), String.valueOf(value));
                    }
                    break;
                default:
                    body = mapper.writeValueAsBytes(value);
            }
        }
        final String target =
                query.isEmpty() ? path : path + '?' + query.build().toQueryString();
        request.method(httpMethod).path(target);
        if (body != null) {
            request.content(MediaType.JSON_UTF_8, body);
        }
        if (rule != null) {
            setRule(request, rule);
        }
        final HttpResponse response;
        final @Nullable ClientRequestContext ctx;
        // The call's context, for its log: how many attempts the mesh made is said when it gives up.
        try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
            response = request.execute();
            ctx = captor.getOrNull();
        }
        return response.aggregate().handle((answer, cause) -> decode(ctx, answer, cause));
    }

    /**
     * A call without an answer fails with a {@link MeshUnavailableException} that says which service, why and after
     * how many attempts, its cause what the last attempt ended with (a {@link NoEndpointException} that says why
     * there was none, rather than Armeria's wrapper that says nothing was sent).
     */
    private @Nullable Object decode(
            @Nullable ClientRequestContext ctx, @Nullable AggregatedHttpResponse response, @Nullable Throwable cause) {
        if (cause != null) {
            throw new CompletionException(GiveUps.unavailable(description, service, ctx, cause));
        }
        return decode(requireNonNull(response, "response"), GiveUps.attempts(ctx));
    }

    private static void setRule(RequestPreparationSetters request, RouteRule rule) {
        request.attr(RouteDecision.ANNOTATED_RULE, rule);
    }

    private @Nullable Object decode(AggregatedHttpResponse response, int attempts) {
        if (resultType.getRawClass() == AggregatedHttpResponse.class) {
            return response;
        }
        if (!response.status().isSuccess()) {
            throw new MeshCallException(description, response, attempts);
        }
        final Class<?> raw = resultType.getRawClass();
        if (raw == void.class || raw == Void.class) {
            return null;
        }
        if (raw == String.class) {
            return response.contentUtf8();
        }
        if (response.content().isEmpty()) {
            return null;
        }
        try {
            return mapper.readValue(response.content().array(), resultType);
        } catch (IOException e) {
            throw new IllegalStateException(
                    description + ": the answer is not the JSON of a " + resultType + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return description + " -> " + httpMethod + ' ' + pathTemplate;
    }
}
