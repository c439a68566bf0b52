package io.mesh4j.benchmarks.footprint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which library a class belongs to, by its package: what the class and allocation breakdowns group by. A class
 * of no library named here is shown by its first two package names, so that nothing hides in "other".
 */
final class Libraries {

    /** The benchmark's own code, which both kinds run alike. */
    static final String BENCHMARK = "the benchmark (picocli, load generator, probe)";

    private static final String MESH4J = "io.mesh4j.";
    private static final String BENCHMARKS = "io.mesh4j.benchmarks.";

    /** First match wins, so the narrower prefixes come first. */
    private static final Map<String, List<String>> PREFIXES = prefixes();

    private static Map<String, List<String>> prefixes() {
        final Map<String, List<String>> prefixes = new LinkedHashMap<>();
        prefixes.put(BENCHMARK, List.of(BENCHMARKS, "picocli.", "org.HdrHistogram."));
        prefixes.put("mesh4j", List.of(MESH4J));
        prefixes.put("OpenTelemetry", List.of("io.opentelemetry."));
        prefixes.put("Micrometer", List.of("io.micrometer."));
        prefixes.put("resilience4j", List.of("io.github.resilience4j."));
        prefixes.put("Caffeine", List.of("com.github.benmanes.caffeine."));
        prefixes.put("BouncyCastle", List.of("org.bouncycastle."));
        prefixes.put("Jackson", List.of("com.fasterxml.jackson."));
        prefixes.put("Armeria", List.of("com.linecorp.armeria."));
        prefixes.put("Netty", List.of("io.netty."));
        prefixes.put("gRPC, protobuf", List.of("io.grpc.", "com.google.protobuf."));
        prefixes.put("Guava", List.of("com.google.common.", "com.google.thirdparty."));
        prefixes.put("SLF4J", List.of("org.slf4j."));
        prefixes.put("Reactive Streams", List.of("org.reactivestreams."));
        prefixes.put("JDK: JFR (the explain run's recording)", List.of("jdk.jfr."));
        prefixes.put(
                "JDK: management (JMX)",
                List.of(
                        "java.lang.management.",
                        "javax.management.",
                        "sun.management.",
                        "com.sun.management.",
                        "jdk.internal.agent.",
                        "sun.tools.attach.",
                        "jdk.internal.vm.VMSupport"));
        prefixes.put(
                "JDK: security, TLS, crypto",
                List.of(
                        "sun.security.",
                        "javax.net.",
                        "javax.crypto.",
                        "java.security.",
                        "com.sun.crypto.",
                        "javax.security.",
                        "jdk.internal.math.",
                        "java.math."));
        prefixes.put(
                "JDK: invoke, lambdas, reflection",
                List.of(
                        "java.lang.invoke.",
                        "jdk.internal.reflect.",
                        "java.lang.reflect.",
                        "sun.invoke.",
                        "jdk.internal.org.objectweb."));
        prefixes.put("JDK: other", List.of("java.", "javax.", "jdk.", "sun.", "com.sun."));
        return prefixes;
    }

    /** The library of the class named {@code className} (binary name, {@code a.b.C$D}). */
    static String of(String className) {
        for (Map.Entry<String, List<String>> library : PREFIXES.entrySet()) {
            for (String prefix : library.getValue()) {
                if (className.startsWith(prefix)) {
                    return library.getKey();
                }
            }
        }
        final String[] parts = className.split("\\.");
        return parts.length > 2 ? parts[0] + '.' + parts[1] + ".*" : className;
    }

    /** Whether the class is mesh4j's own, not the benchmark's. */
    static boolean isMesh4j(String className) {
        return className.startsWith(MESH4J) && !className.startsWith(BENCHMARKS);
    }

    /** {@code io.mesh4j.client.internal.retry.RetryLayer$RetryingClient} → {@code client.internal.retry.RetryLayer} */
    static String meshClass(String className) {
        final int nested = className.indexOf('$');
        return (nested < 0 ? className : className.substring(0, nested)).substring(MESH4J.length());
    }

    private Libraries() {}
}
