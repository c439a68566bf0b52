package io.mesh4j.benchmarks.footprint;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.report.Table;

/**
 * The {@code --explain} tables: which libraries the classes a mesh service adds come from and which mesh4j class
 * made them load, and where the bytes of each request are allocated, raw against mesh.
 */
final class ExplainReport {

    private static final int TOP = 15;
    private static final Pattern STANDALONE_NUMBER = Pattern.compile("(?<![A-Za-z0-9])\\d+(?![A-Za-z0-9])");

    /**
     * One explain run of one process: its recording, and at the same moment the JVM's own class count, its
     * committed native memory by category and its Java threads' names.
     */
    record Run(ExplainRecording recording, long jvmClasses, Map<String, Long> nativeMemory, List<String> threads) {}

    private final Map<Role, Map<Kind, Run>> runs = new EnumMap<>(Role.class);

    void add(Role role, Kind kind, Run run) {
        runs.computeIfAbsent(role, unused -> new EnumMap<>(Kind.class)).put(kind, run);
    }

    String render() {
        final StringBuilder out = new StringBuilder();
        out.append("#### Explain: where the memory goes (Native Memory Tracking, committed, after the load)\n\n");
        out.append(nativeMemory()).append('\n');
        out.append("Measured in the explain run (with `-XX:NativeMemoryTracking=summary` and the recording on), before "
                + "any forced collection, so the heap holds garbage here; the rest compares like for like.\n\n");
        out.append("#### Explain: CPU samples of the start-up (JVM start to ready), by library on the stack\n\n");
        out.append(startupByLibrary()).append('\n');
        out.append("JFR's execution samples of the Java threads every 10 ms, inclusive (a sample counts for each "
                + "library on its stack); class loading and verification count for the code that caused them; the "
                + "JIT's threads are not sampled.\n\n");
        for (Role role : Role.values()) {
            out.append("#### Explain: mesh ")
                    .append(role.label())
                    .append(", start-up CPU samples by mesh4j class on the stack\n\n");
            final Map<String, Double> meshClasses = new HashMap<>();
            run(role, Kind.MESH).recording().startup().byMeshClass().forEach((k, v) -> meshClasses.put(k, (double) v));
            final Table table = Table.of("mesh4j class on the stack", "samples");
            meshClasses.entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .limit(TOP)
                    .forEach(e -> table.row(e.getKey(), count(Math.round(e.getValue()))));
            out.append(table).append('\n');
        }
        out.append("#### Explain: the Java threads that differ (numbers in names replaced by #)\n\n");
        out.append(threads()).append('\n');
        out.append("#### Explain: the classes a mesh service adds, by library\n\n");
        out.append(classesByLibrary()).append('\n');
        out.append(coverage()).append("\n\n");
        out.append("#### Explain: which mesh4j class loaded them (the nearest on the loading stack)\n\n");
        out.append(classesByTrigger()).append('\n');
        out.append("#### Explain: bytes allocated per request, by library on the stack (inclusive)\n\n");
        out.append(allocationsByLibrary()).append('\n');
        out.append("Sampled by JFR (`jdk.ObjectAllocationSample`, weighted); a sample counts for each library on "
                + "its stack, so the rows add up to more than the total.\n\n");
        for (Role role : Role.values()) {
            out.append("#### Explain: mesh ")
                    .append(role.label())
                    .append(", bytes allocated per request by mesh4j class on the stack (inclusive)\n\n");
            out.append(top("mesh4j class on the stack", role, ExplainRecording.Allocations::byMeshClass))
                    .append('\n');
            out.append("#### Explain: mesh ")
                    .append(role.label())
                    .append(", bytes allocated per request by site (the first frame outside the JDK)\n\n");
            out.append(top("allocation site", role, ExplainRecording.Allocations::bySite))
                    .append('\n');
        }
        return out.toString();
    }

    private Run run(Role role, Kind kind) {
        final @Nullable Run run = runs.getOrDefault(role, Map.of()).get(kind);
        if (run == null) {
            throw new IllegalStateException("no explain run of the " + kind.flag() + ' ' + role.label());
        }
        return run;
    }

    private Set<String> classes(Role role, Kind kind) {
        return run(role, kind).recording().classes().keySet();
    }

    private Map<String, Long> countByLibrary(Role role, Kind kind) {
        return run(role, kind).recording().classes().values().stream()
                .collect(Collectors.groupingBy(ExplainRecording.ClassLoad::library, Collectors.counting()));
    }

    private String classesByLibrary() {
        final Set<String> libraries = new LinkedHashSet<>();
        final Map<String, Long> changed = new HashMap<>();
        for (Role role : Role.values()) {
            final Map<String, Long> raw = countByLibrary(role, Kind.RAW);
            final Map<String, Long> mesh = countByLibrary(role, Kind.MESH);
            libraries.addAll(raw.keySet());
            libraries.addAll(mesh.keySet());
            for (String library : libraries) {
                changed.merge(
                        library, Math.abs(mesh.getOrDefault(library, 0L) - raw.getOrDefault(library, 0L)), Long::sum);
            }
        }
        final Table table =
                Table.of("library", "raw server", "mesh server", "mesh adds", "raw client", "mesh client", "mesh adds");
        libraries.stream()
                .filter(library -> changed.getOrDefault(library, 0L) > 0)
                .sorted(Comparator.comparing((String library) -> changed.getOrDefault(library, 0L))
                        .reversed())
                .forEach(library -> table.row(classRow(
                        library,
                        role -> countByLibrary(role, Kind.RAW).getOrDefault(library, 0L),
                        role -> countByLibrary(role, Kind.MESH).getOrDefault(library, 0L))));
        table.row(classRow(
                "all (the libraries not shown load the same classes in both)",
                role -> classes(role, Kind.RAW).size(),
                role -> classes(role, Kind.MESH).size()));
        return table.toString();
    }

    /**
     * A thread's name with its numbers replaced by {@code #}, so that the threads of one pool count together:
     * {@code armeria-common-worker-epoll-3-1} is {@code armeria-common-worker-epoll-#-#}. Only numbers that stand
     * alone are replaced; digits inside a word stay ({@code mesh4j-scheduler} is not {@code mesh#j-scheduler}).
     */
    static String threadKind(String name) {
        return STANDALONE_NUMBER.matcher(name).replaceAll("#");
    }

    private static String[] classRow(String label, ToLongFunction<Role> raw, ToLongFunction<Role> mesh) {
        final long serverRaw = raw.applyAsLong(Role.SERVER);
        final long serverMesh = mesh.applyAsLong(Role.SERVER);
        final long clientRaw = raw.applyAsLong(Role.CLIENT);
        final long clientMesh = mesh.applyAsLong(Role.CLIENT);
        return new String[] {
            label,
            count(serverRaw),
            count(serverMesh),
            signed(serverMesh - serverRaw),
            count(clientRaw),
            count(clientMesh),
            signed(clientMesh - clientRaw)
        };
    }

    private String nativeMemory() {
        final Set<String> categories = new LinkedHashSet<>();
        for (Role role : Role.values()) {
            for (Kind kind : Kind.values()) {
                categories.addAll(run(role, kind).nativeMemory().keySet());
            }
        }
        final Table table = Table.of(
                "category", "raw server", "mesh server", "mesh adds", "raw client", "mesh client", "mesh adds");
        for (String category : categories) {
            final String[] row = mebibyteRow(
                    category,
                    role -> run(role, Kind.RAW).nativeMemory().getOrDefault(category, 0L),
                    role -> run(role, Kind.MESH).nativeMemory().getOrDefault(category, 0L));
            // Categories under half a MiB on every side say nothing at this scale.
            if (!row[1].equals("0.0 MiB")
                    || !row[2].equals("0.0 MiB")
                    || !row[4].equals("0.0 MiB")
                    || !row[5].equals("0.0 MiB")) {
                table.row(row);
            }
        }
        return table.toString();
    }

    private static String[] mebibyteRow(String label, ToLongFunction<Role> raw, ToLongFunction<Role> mesh) {
        final long serverRaw = raw.applyAsLong(Role.SERVER);
        final long serverMesh = mesh.applyAsLong(Role.SERVER);
        final long clientRaw = raw.applyAsLong(Role.CLIENT);
        final long clientMesh = mesh.applyAsLong(Role.CLIENT);
        return new String[] {
            label,
            Measure.mebibytes(serverRaw),
            Measure.mebibytes(serverMesh),
            Measure.RSS.formatDifference(serverMesh - serverRaw),
            Measure.mebibytes(clientRaw),
            Measure.mebibytes(clientMesh),
            Measure.RSS.formatDifference(clientMesh - clientRaw)
        };
    }

    private String startupByLibrary() {
        final Set<String> libraries = new LinkedHashSet<>();
        final Map<String, Long> weight = new HashMap<>();
        for (Role role : Role.values()) {
            for (Kind kind : Kind.values()) {
                run(role, kind).recording().startup().byLibrary().forEach((library, n) -> {
                    libraries.add(library);
                    weight.merge(library, (long) n, Long::sum);
                });
            }
        }
        final Table table = Table.of(
                "library on the stack",
                "raw server",
                "mesh server",
                "mesh adds",
                "raw client",
                "mesh client",
                "mesh adds");
        table.row(classRow(
                "all samples",
                role -> run(role, Kind.RAW).recording().startup().samples(),
                role -> run(role, Kind.MESH).recording().startup().samples()));
        libraries.stream()
                .sorted(Comparator.comparing((String library) -> weight.getOrDefault(library, 0L))
                        .reversed())
                .limit(TOP)
                .forEach(library -> table.row(classRow(
                        library,
                        role -> run(role, Kind.RAW)
                                .recording()
                                .startup()
                                .byLibrary()
                                .getOrDefault(library, 0),
                        role -> run(role, Kind.MESH)
                                .recording()
                                .startup()
                                .byLibrary()
                                .getOrDefault(library, 0))));
        return table.toString();
    }

    private String threads() {
        final Map<Role, Map<Kind, Map<String, Long>>> counts = new EnumMap<>(Role.class);
        final Set<String> names = new TreeSet<>();
        for (Role role : Role.values()) {
            for (Kind kind : Kind.values()) {
                final Map<String, Long> byName = run(role, kind).threads().stream()
                        .collect(Collectors.groupingBy(ExplainReport::threadKind, Collectors.counting()));
                counts.computeIfAbsent(role, unused -> new EnumMap<>(Kind.class))
                        .put(kind, byName);
                names.addAll(byName.keySet());
            }
        }
        final Table table =
                Table.of("thread", "raw server", "mesh server", "mesh adds", "raw client", "mesh client", "mesh adds");
        for (String name : names) {
            final String[] row = classRow(
                    name,
                    role -> counts.getOrDefault(role, Map.of())
                            .getOrDefault(Kind.RAW, Map.of())
                            .getOrDefault(name, 0L),
                    role -> counts.getOrDefault(role, Map.of())
                            .getOrDefault(Kind.MESH, Map.of())
                            .getOrDefault(name, 0L));
            if (!"+0".equals(row[3]) || !"+0".equals(row[6])) {
                table.row(row);
            }
        }
        table.row(classRow(
                "all Java threads",
                role -> run(role, Kind.RAW).threads().size(),
                role -> run(role, Kind.MESH).threads().size()));
        return table.toString();
    }

    private String coverage() {
        final StringBuilder out = new StringBuilder("Classes by JFR's `jdk.ClassLoad` events, one explain run of each "
                + "process with the recording on from the JVM's start to the end of the load; the JVM's own count "
                + "at the same moment (hidden classes, such as lambdas, have no load event):");
        for (Role role : Role.values()) {
            for (Kind kind : Kind.values()) {
                final Run run = run(role, kind);
                out.append(String.format(
                        Locale.ROOT,
                        " %s %s %,d seen, %,d counted;",
                        kind.flag(),
                        role.label(),
                        run.recording().classes().size(),
                        run.jvmClasses()));
            }
        }
        out.setLength(out.length() - 1);
        return out.append('.').toString();
    }

    private String classesByTrigger() {
        final Map<Role, Map<String, Map<String, Long>>> byTrigger = new EnumMap<>(Role.class);
        final Map<String, Long> total = new HashMap<>();
        for (Role role : Role.values()) {
            final Set<String> raw = classes(role, Kind.RAW);
            final Map<String, Map<String, Long>> triggers = new HashMap<>();
            run(role, Kind.MESH).recording().classes().forEach((name, load) -> {
                if (!raw.contains(name)) {
                    triggers.computeIfAbsent(load.trigger(), unused -> new HashMap<>())
                            .merge(load.library(), 1L, Long::sum);
                    total.merge(load.trigger(), 1L, Long::sum);
                }
            });
            byTrigger.put(role, triggers);
        }
        final Table table = Table.of("loaded by", "server", "client", "what (classes)");
        total.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(TOP)
                .forEach(trigger -> {
                    final Map<String, Long> libraries = new HashMap<>();
                    long server = 0;
                    long client = 0;
                    for (Role role : Role.values()) {
                        final Map<String, Long> here =
                                byTrigger.getOrDefault(role, Map.of()).getOrDefault(trigger.getKey(), Map.of());
                        final long sum = here.values().stream()
                                .mapToLong(Long::longValue)
                                .sum();
                        if (role == Role.SERVER) {
                            server = sum;
                        } else {
                            client = sum;
                        }
                        here.forEach((library, n) -> libraries.merge(library, n, Long::sum));
                    }
                    table.row(trigger.getKey(), count(server), count(client), topLibraries(libraries));
                });
        return table.toString() + "\nOnly classes the raw process of the same role did not load; server and client "
                + "counted apart, each class once.\n";
    }

    private static String topLibraries(Map<String, Long> libraries) {
        return libraries.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(4)
                .map(e -> e.getKey() + ' ' + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private String allocationsByLibrary() {
        final Set<String> libraries = new LinkedHashSet<>();
        for (Role role : Role.values()) {
            for (Kind kind : Kind.values()) {
                libraries.addAll(allocations(role, kind).byLibrary().keySet());
            }
        }
        final Table table = Table.of(
                "library on the stack",
                "raw server",
                "mesh server",
                "mesh adds",
                "raw client",
                "mesh client",
                "mesh adds");
        table.row(rowOf(
                "all (sampled)",
                role -> allocations(role, Kind.RAW).perRequest(),
                role -> allocations(role, Kind.MESH).perRequest()));
        final Map<String, Double> weight = new HashMap<>();
        libraries.forEach(library -> {
            double sum = 0;
            for (Role role : Role.values()) {
                for (Kind kind : Kind.values()) {
                    sum += allocations(role, kind).byLibrary().getOrDefault(library, 0.0);
                }
            }
            weight.put(library, sum);
        });
        libraries.stream()
                // The JDK is on every stack (Thread.run at least): its rows would only repeat the total.
                .filter(library -> !library.startsWith("JDK"))
                .sorted(Comparator.comparing((String library) -> weight.getOrDefault(library, 0.0))
                        .reversed())
                .limit(TOP)
                .forEach(library -> table.row(rowOf(
                        library,
                        role -> allocations(role, Kind.RAW).byLibrary().getOrDefault(library, 0.0),
                        role -> allocations(role, Kind.MESH).byLibrary().getOrDefault(library, 0.0))));
        return table.toString();
    }

    private static String[] rowOf(String label, ToDoubleFunction<Role> raw, ToDoubleFunction<Role> mesh) {
        final double serverRaw = raw.applyAsDouble(Role.SERVER);
        final double serverMesh = mesh.applyAsDouble(Role.SERVER);
        final double clientRaw = raw.applyAsDouble(Role.CLIENT);
        final double clientMesh = mesh.applyAsDouble(Role.CLIENT);
        return new String[] {
            label,
            bytes(serverRaw),
            bytes(serverMesh),
            signedBytes(serverMesh - serverRaw),
            bytes(clientRaw),
            bytes(clientMesh),
            signedBytes(clientMesh - clientRaw)
        };
    }

    private String top(String header, Role role, Function<ExplainRecording.Allocations, Map<String, Double>> of) {
        final Map<String, Double> mesh = of.apply(allocations(role, Kind.MESH));
        final Map<String, Double> raw = of.apply(allocations(role, Kind.RAW));
        final Table table = Table.of(header, "mesh", "raw");
        final Map<String, Double> sorted = new LinkedHashMap<>();
        mesh.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(TOP)
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((key, bytes) ->
                table.row(key, bytes(bytes), raw.containsKey(key) ? bytes(raw.getOrDefault(key, 0.0)) : ""));
        return table.toString();
    }

    private ExplainRecording.Allocations allocations(Role role, Kind kind) {
        return run(role, kind).recording().allocations();
    }

    private static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String signed(long value) {
        return String.format(Locale.ROOT, "%+,d", value);
    }

    private static String bytes(double value) {
        return String.format(Locale.ROOT, "%,.0f B", value);
    }

    private static String signedBytes(double value) {
        return String.format(Locale.ROOT, "%+,.0f B", value);
    }
}
