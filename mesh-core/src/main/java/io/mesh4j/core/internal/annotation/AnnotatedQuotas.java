package io.mesh4j.core.internal.annotation;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.CRC32;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.annotation.Quota;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.QuotaSpec;

/**
 * Reads the {@link Quota} of a served method, or of its class when the method has none, into a {@link QuotaSpec}
 * without a rule: the quota's scope is where it is declared, which the serving instance knows and the registry
 * does not need to.
 */
public final class AnnotatedQuotas {

    private static final int MAX_NAME = 63;

    /**
     * The quota {@code method} declares, or {@code type} for it; null when neither has one.
     *
     * @throws IllegalArgumentException naming the method, the annotation and the field that is wrong
     */
    public static @Nullable QuotaSpec of(Method method, Class<?> type) {
        requireNonNull(method, "method");
        requireNonNull(type, "type");
        final @Nullable Quota onMethod = method.getAnnotation(Quota.class);
        final @Nullable Quota quota = onMethod != null ? onMethod : type.getAnnotation(Quota.class);
        if (quota == null) {
            return null;
        }
        final String where = onMethod != null ? "" : " (on " + type.getSimpleName() + ')';
        try {
            return spec(quota, onMethod != null ? derivedName(type, method) : derivedName(type, null));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    AnnotatedRules.describe(method) + ": " + describe(quota) + where + ": " + e.getMessage()
                            + " (fix the @Quota of this method or its class)",
                    e);
        }
    }

    private static QuotaSpec spec(Quota quota, String derived) {
        @Nullable ServiceName caller = null;
        if (!quota.caller().isEmpty()) {
            try {
                caller = ServiceName.of(quota.caller());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("caller: " + e.getMessage(), e);
            }
        }
        final Duration per;
        try {
            per = RouteJson.parseDuration(quota.per());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("per: " + e.getMessage(), e);
        }
        final String name = quota.name().isEmpty()
                ? (caller == null ? derived : fit(derived + "-from-" + caller.value()))
                : quota.name();
        // QuotaSpec's own checks, as for the registry's route config: their message names the field.
        return new QuotaSpec(name, null, caller, quota.requests(), per);
    }

    /** {@code OrdersApi.order(..)} → {@code ordersapi-order}; a class alone → {@code ordersapi}. */
    private static String derivedName(Class<?> type, @Nullable Method method) {
        return fit(label(type.getSimpleName()) + (method == null ? "" : '-' + label(method.getName())));
    }

    private static String label(String text) {
        final String label =
                text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return label.isEmpty() ? "quota" : label;
    }

    /** A DNS-1123 label: a name too long keeps its start and a checksum of the whole, so it stays unique. */
    private static String fit(String name) {
        if (name.length() <= MAX_NAME) {
            return name;
        }
        final CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        final String suffix = String.format(Locale.ROOT, "-%08x", crc.getValue());
        return name.substring(0, MAX_NAME - suffix.length()).replaceAll("-+$", "") + suffix;
    }

    private static String describe(Quota quota) {
        return "@Quota(requests = " + quota.requests() + ", per = \"" + quota.per() + '"'
                + (quota.caller().isEmpty() ? "" : ", caller = \"" + quota.caller() + '"')
                + (quota.name().isEmpty() ? "" : ", name = \"" + quota.name() + '"') + ')';
    }

    private AnnotatedQuotas() {}
}
