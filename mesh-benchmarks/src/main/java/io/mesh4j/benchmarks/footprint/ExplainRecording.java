package io.mesh4j.benchmarks.footprint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.process.Jcmd;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The {@code --explain} run's flight recording of one child, from its first instant: every class it loads, with
 * the stack that loaded it, and a sample of its allocations, with theirs. What it says: which libraries the classes
 * come from and which mesh4j class made them load, and where the bytes of each request are allocated.
 *
 * <p>The JDK records no load event for hidden classes (lambdas, method-handle forms), which the JVM's class count
 * includes; the report says how many that leaves out.
 */
final class ExplainRecording {

    private static final String NAME = "footprint";

    /**
     * Class loads with their stacks, from the start; CPU samples of the Java threads, for the start-up; allocation
     * samples, many enough for a 20 s window.
     */
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="mesh4j footprint" description="Class loads and allocation samples">
              <event name="jdk.ClassLoad">
                <setting name="enabled">true</setting>
                <setting name="stackTrace">true</setting>
                <setting name="threshold">0 ms</setting>
              </event>
              <event name="jdk.ExecutionSample">
                <setting name="enabled">true</setting>
                <setting name="period">10 ms</setting>
              </event>
              <event name="jdk.ObjectAllocationSample">
                <setting name="enabled">true</setting>
                <setting name="stackTrace">true</setting>
                <setting name="throttle">1000/s</setting>
              </event>
            </configuration>
            """;

    /** One class the child loaded: its library, and the nearest mesh4j class on the stack that loaded it. */
    record ClassLoad(String library, String trigger) {}

    /** Where the sampled bytes of the load window went, per request: inclusive by library and by mesh4j class. */
    record Allocations(
            double perRequest,
            Map<String, Double> byLibrary,
            Map<String, Double> byMeshClass,
            Map<String, Double> bySite) {}

    /**
     * The CPU samples of the Java threads from the JVM's start until the child was ready: how many, and in how many
     * each library and each mesh4j class was on the stack. The JIT's and the collector's threads are not sampled.
     */
    record Startup(int samples, Map<String, Integer> byLibrary, Map<String, Integer> byMeshClass) {}

    private final Map<String, ClassLoad> classes;
    private final Allocations allocations;
    private final Startup startup;

    private ExplainRecording(Map<String, ClassLoad> classes, Allocations allocations, Startup startup) {
        this.classes = classes;
        this.allocations = allocations;
        this.startup = startup;
    }

    /**
     * The flags that start the recording with the JVM, and native memory tracking; the settings file goes into
     * {@code dir}.
     */
    static List<String> jvmFlags(Path dir, Path file) {
        final Path settings = dir.resolve("footprint.jfc");
        try {
            Files.writeString(settings, SETTINGS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + settings, e);
        }
        return List.of(
                "-XX:StartFlightRecording:name=" + NAME + ",settings=" + settings + ",filename=" + file,
                // Deep enough that the mesh4j frame which set off a chain of class initialisations is kept.
                "-XX:FlightRecorderOptions:stackdepth=512",
                // Where the resident memory goes, by the JVM's own accounting.
                "-XX:NativeMemoryTracking=summary");
    }

    /** Stops the child's recording, which writes its file, and reads it. */
    static ExplainRecording stopAndRead(
            long pid, Path file, Instant readyAt, Instant windowStart, Instant windowEnd, long requests) {
        Jcmd.run(pid, "JFR.stop", "name=" + NAME, "filename=" + file);
        final Map<String, ClassLoad> classes = new LinkedHashMap<>();
        final Map<String, Double> byLibrary = new HashMap<>();
        final Map<String, Double> byMeshClass = new HashMap<>();
        final Map<String, Double> bySite = new HashMap<>();
        final Map<String, Integer> startupByLibrary = new HashMap<>();
        final Map<String, Integer> startupByMeshClass = new HashMap<>();
        int startupSamples = 0;
        double total = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                final RecordedEvent event = recording.readEvent();
                final String type = event.getEventType().getName();
                if ("jdk.ClassLoad".equals(type)) {
                    final @Nullable RecordedClass loaded = event.getClass("loadedClass");
                    if (loaded != null) {
                        classes.putIfAbsent(
                                loaded.getName(),
                                new ClassLoad(Libraries.of(loaded.getName()), trigger(event.getStackTrace())));
                    }
                } else if ("jdk.ExecutionSample".equals(type)
                        && !event.getStartTime().isAfter(readyAt)
                        && event.getStackTrace() != null) {
                    startupSamples++;
                    final Set<String> libraries = new LinkedHashSet<>();
                    final Set<String> meshClasses = new LinkedHashSet<>();
                    onStack(event.getStackTrace(), libraries, meshClasses);
                    libraries.forEach(library -> startupByLibrary.merge(library, 1, Integer::sum));
                    meshClasses.forEach(mesh -> startupByMeshClass.merge(mesh, 1, Integer::sum));
                } else if ("jdk.ObjectAllocationSample".equals(type)
                        && !event.getStartTime().isBefore(windowStart)
                        && !event.getStartTime().isAfter(windowEnd)) {
                    final double weight = event.getLong("weight");
                    total += weight;
                    sample(event.getStackTrace(), weight, byLibrary, byMeshClass, bySite);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording " + file, e);
        }
        final double per = Math.max(1, requests);
        byLibrary.replaceAll((key, bytes) -> bytes / per);
        byMeshClass.replaceAll((key, bytes) -> bytes / per);
        bySite.replaceAll((key, bytes) -> bytes / per);
        return new ExplainRecording(
                classes,
                new Allocations(total / per, byLibrary, byMeshClass, bySite),
                new Startup(startupSamples, startupByLibrary, startupByMeshClass));
    }

    private static void onStack(@Nullable RecordedStackTrace stack, Set<String> libraries, Set<String> meshClasses) {
        if (stack == null) {
            return;
        }
        for (RecordedFrame frame : stack.getFrames()) {
            final String type = frame.getMethod().getType().getName();
            libraries.add(Libraries.of(type));
            if (Libraries.isMesh4j(type)) {
                meshClasses.add(Libraries.meshClass(type));
            }
        }
    }

    /** The nearest mesh4j class on the stack that loaded a class, or what stood there instead. */
    private static String trigger(@Nullable RecordedStackTrace stack) {
        if (stack == null) {
            return "(no stack)";
        }
        for (RecordedFrame frame : stack.getFrames()) {
            final String type = frame.getMethod().getType().getName();
            if (Libraries.isMesh4j(type)) {
                return Libraries.meshClass(type);
            }
        }
        return "(no mesh4j class on the stack)";
    }

    private static void sample(
            @Nullable RecordedStackTrace stack,
            double weight,
            Map<String, Double> byLibrary,
            Map<String, Double> byMeshClass,
            Map<String, Double> bySite) {
        if (stack == null) {
            return;
        }
        final Set<String> libraries = new LinkedHashSet<>();
        final Set<String> meshClasses = new LinkedHashSet<>();
        @Nullable String site = null;
        for (RecordedFrame frame : stack.getFrames()) {
            final String type = frame.getMethod().getType().getName();
            final String library = Libraries.of(type);
            libraries.add(library);
            if (Libraries.isMesh4j(type)) {
                meshClasses.add(Libraries.meshClass(type));
            }
            if (site == null && !library.startsWith("JDK")) {
                // The allocation site a library can change: the first frame outside the JDK.
                site = type.substring(type.lastIndexOf('.') + 1)
                        + '.'
                        + frame.getMethod().getName();
            }
        }
        libraries.forEach(library -> byLibrary.merge(library, weight, Double::sum));
        meshClasses.forEach(type -> byMeshClass.merge(type, weight, Double::sum));
        bySite.merge(site != null ? site : "(only JDK frames)", weight, Double::sum);
    }

    /** Every class the child loaded that JFR saw, by name. */
    Map<String, ClassLoad> classes() {
        return classes;
    }

    Allocations allocations() {
        return allocations;
    }

    Startup startup() {
        return startup;
    }
}
