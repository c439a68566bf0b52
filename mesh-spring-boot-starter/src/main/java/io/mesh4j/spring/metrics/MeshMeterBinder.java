package io.mesh4j.spring.metrics;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Mirrors every meter of the mesh's registry, now and as they come and go, into the registries it is bound to, as
 * meters that read the mesh's: a counter as a function counter, a gauge as a gauge, a timer as a function timer
 * (count and total time, converted to the target registry's unit), a distribution summary as a meter of its
 * count, total and max.
 *
 * <p>Why mirror rather than share: the mesh records into one registry of its own (its admin endpoint serves it, and
 * it exists with or without Spring), and a Micrometer meter cannot be in two registries. Mirrored meters are read,
 * never recorded, so a call costs nothing more; the price is that a timer's histogram buckets stay in the mesh's
 * registry (its admin {@code /metrics}), and the application's registry gets the timer's count and sum, from which
 * rates and mean latencies are computed.
 */
public final class MeshMeterBinder implements MeterBinder, AutoCloseable {

    private final MeterRegistry mesh;
    private final CopyOnWriteArrayList<MeterRegistry> targets = new CopyOnWriteArrayList<>();
    /** Per target registry, the mirror of each mesh meter, by the mesh meter's id. */
    private final Map<MeterRegistry, Map<Meter.Id, Meter>> mirrors = new ConcurrentHashMap<>();

    private volatile boolean closed;

    MeshMeterBinder(MeterRegistry mesh) {
        this.mesh = requireNonNull(mesh, "mesh");
        final Consumer<Meter> added = meter -> targets.forEach(target -> mirror(meter, target));
        final Consumer<Meter> removed = meter -> targets.forEach(target -> unmirror(meter, target));
        mesh.config().onMeterAdded(added).onMeterRemoved(removed);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (registry == mesh || closed) {
            return;
        }
        // Listen first, then copy what exists: a meter added in between is mirrored once, the map sees to it.
        targets.addIfAbsent(registry);
        mesh.forEachMeter(meter -> mirror(meter, registry));
    }

    private void mirror(Meter meter, MeterRegistry target) {
        if (closed) {
            return;
        }
        mirrors.computeIfAbsent(target, unused -> new ConcurrentHashMap<>())
                .computeIfAbsent(meter.getId(), unused -> register(meter, target));
    }

    private void unmirror(Meter meter, MeterRegistry target) {
        final @Nullable Map<Meter.Id, Meter> mirrored = mirrors.get(target);
        final @Nullable Meter mirror = mirrored == null ? null : mirrored.remove(meter.getId());
        if (mirror != null) {
            target.remove(mirror);
        }
    }

    private static Meter register(Meter meter, MeterRegistry target) {
        final Meter.Id id = meter.getId();
        if (meter instanceof Counter counter) {
            return FunctionCounter.builder(id.getName(), counter, Counter::count)
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .baseUnit(id.getBaseUnit())
                    .register(target);
        }
        if (meter instanceof FunctionCounter counter) {
            return FunctionCounter.builder(id.getName(), counter, FunctionCounter::count)
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .baseUnit(id.getBaseUnit())
                    .register(target);
        }
        if (meter instanceof Gauge gauge) {
            return Gauge.builder(id.getName(), gauge, Gauge::value)
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .baseUnit(id.getBaseUnit())
                    .register(target);
        }
        if (meter instanceof Timer timer) {
            return FunctionTimer.builder(
                            id.getName(),
                            timer,
                            Timer::count,
                            t -> t.totalTime(TimeUnit.NANOSECONDS),
                            TimeUnit.NANOSECONDS)
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .register(target);
        }
        if (meter instanceof FunctionTimer timer) {
            return FunctionTimer.builder(
                            id.getName(),
                            timer,
                            t -> (long) t.count(),
                            t -> t.totalTime(TimeUnit.NANOSECONDS),
                            TimeUnit.NANOSECONDS)
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .register(target);
        }
        if (meter instanceof DistributionSummary summary) {
            // No function summary in Micrometer: a meter of the summary's own measurements, read when scraped.
            return Meter.builder(id.getName(), Meter.Type.DISTRIBUTION_SUMMARY, summary.measure())
                    .tags(id.getTags())
                    .description(id.getDescription())
                    .baseUnit(id.getBaseUnit())
                    .register(target);
        }
        return Meter.builder(id.getName(), id.getType(), meter.measure())
                .tags(id.getTags())
                .description(id.getDescription())
                .baseUnit(id.getBaseUnit())
                .register(target);
    }

    /** Removes the mirrors from the registries they were added to; the mesh's own meters stay. */
    @Override
    public void close() {
        closed = true;
        mirrors.forEach((target, mirrored) -> mirrored.values().forEach(target::remove));
        mirrors.clear();
        targets.clear();
    }
}
