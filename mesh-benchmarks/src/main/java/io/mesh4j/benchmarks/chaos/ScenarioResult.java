package io.mesh4j.benchmarks.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * What one scenario cost the callers, read from the clients' records (see {@link ChaosClient}): failed calls,
 * retries against the budget, how long the instances hit kept getting attempts, how long a recovered one took to
 * get its share back, and the 99th percentile of latency before and during the fault.
 *
 * <p>Windows: <em>before</em> is the baseline, from the scenario's start to the first fault; <em>during</em> from
 * the first fault to the last heal; retries and failures count from the first fault to the scenario's end, so a
 * fault's after-effects are in them.
 */
record ScenarioResult(
        Scenario scenario,
        String hit,
        long calls,
        long failed,
        Map<String, Long> failures,
        long retries,
        long allowance,
        long budgetExhausted,
        @Nullable Long stopMillis,
        boolean stopped,
        long probes,
        @Nullable Long backMillis,
        boolean back,
        double shareBefore,
        double shareDuring,
        boolean hasTargets,
        long p99BeforeMicros,
        long p99DuringMicros) {

    /** Each client's retry budget: 20% of its calls plus 10 per second (RetryConfig's defaults). */
    static final double BUDGET_RATIO = 0.2;

    static final int BUDGET_PER_SECOND = 10;

    /** A recovered instance is back once, in a second, it gets at least this part of its share before the fault. */
    static final double BACK_FRACTION = 0.5;

    private record Call(String client, long due, long micros, String outcome) {}

    private record Attempt(String client, long start, String host, boolean ok) {}

    private record Retries(String client, long at, long retries, long exhausted) {}

    static ScenarioResult of(
            Scenario scenario, String hit, List<String> lines, long start, long end, List<Scenario.Event> events) {
        final List<Call> calls = new ArrayList<>();
        final List<Attempt> attempts = new ArrayList<>();
        final List<Retries> samples = new ArrayList<>();
        for (String line : lines) {
            final String[] f = line.split(" ", 5);
            switch (f[1]) {
                case "C" -> calls.add(new Call(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[4]));
                case "A" -> attempts.add(new Attempt(f[0], Long.parseLong(f[2]), f[3], "1".equals(f[4])));
                case "R" ->
                    samples.add(new Retries(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])));
                default -> throw new IllegalStateException("unknown record: " + line);
            }
        }
        final long faultAt = events.get(0).faultAt();
        final long healAt =
                events.stream().mapToLong(Scenario.Event::healAt).max().orElse(faultAt);
        final List<Call> measured =
                calls.stream().filter(c -> c.due >= start && c.due < end).toList();
        final Map<String, Long> failures = new TreeMap<>();
        long failed = 0;
        for (Call call : measured) {
            if (call.outcome.startsWith("!")) {
                failed++;
                failures.merge(call.outcome.substring(1), 1L, Long::sum);
            }
        }
        // Retries from the first fault on, against what each client's budget allows over that window.
        final Map<String, long[]> perClient = new HashMap<>();
        for (Retries sample : samples) {
            final long[] span = perClient.computeIfAbsent(sample.client, unused -> new long[] {-1, 0, -1, 0});
            if (sample.at <= faultAt) {
                span[0] = sample.retries;
                span[2] = sample.exhausted;
            }
            if (sample.at <= end) {
                span[1] = sample.retries;
                span[3] = sample.exhausted;
            }
        }
        long retries = 0;
        long exhausted = 0;
        for (long[] span : perClient.values()) {
            retries += span[1] - Math.max(0, span[0]);
            exhausted += span[3] - Math.max(0, span[2]);
        }
        final double seconds = (end - faultAt) / 1000.0;
        final long callsAfterFault =
                measured.stream().filter(c -> c.due >= faultAt).count();
        final long allowance =
                Math.round(BUDGET_RATIO * callsAfterFault + BUDGET_PER_SECOND * seconds * perClient.size());

        // Traffic to the instances hit: when the attempts stopped, and when a recovered one had its share back.
        Long stop = null;
        boolean stopped = true;
        long probes = 0;
        Long backTime = null;
        boolean back = true;
        final Scenario.Event first = events.get(0);
        final boolean hasTargets = !first.targets().isEmpty();
        double shareBefore = 0;
        double shareDuring = 0;
        if (hasTargets) {
            shareBefore = share(attempts, first, start, first.faultAt());
            shareDuring = share(attempts, first, first.faultAt(), first.healAt());
            for (Scenario.Event event : events) {
                final long last = lastBusy(attempts, event, start);
                if (stillBusy(attempts, event, start)) {
                    stopped = false;
                }
                stop = Math.max(stop == null ? 0 : stop, last - event.faultAt());
                probes += attempts.stream()
                        .filter(a -> hits(a, event) && a.start > last && a.start < event.healAt())
                        .count();
                final double before = share(attempts, event, start, faultAt);
                final @Nullable Long eventBack = backTime(attempts, event, before, end);
                if (eventBack == null) {
                    back = false;
                } else {
                    backTime = Math.max(backTime == null ? 0 : backTime, eventBack);
                }
            }
        }
        return new ScenarioResult(
                scenario,
                hit,
                measured.size(),
                failed,
                failures,
                retries,
                allowance,
                exhausted,
                stop,
                stopped,
                probes,
                backTime,
                back,
                shareBefore,
                shareDuring,
                hasTargets,
                p99(measured, start, faultAt),
                p99(measured, faultAt, Math.max(healAt, faultAt + 1)));
    }

    private static boolean hits(Attempt attempt, Scenario.Event event) {
        return event.targets().contains(attempt.host)
                && (event.client() == null || event.client().equals(attempt.client));
    }

    /**
     * When the event's instances last got real traffic: the last attempt to them in a second (sliding by 250 ms)
     * that held more than a tenth of their attempts per second before the fault, and more than one. What comes
     * after, until the heal, are a breaker's probes.
     */
    private static long lastBusy(List<Attempt> attempts, Scenario.Event event, long start) {
        final List<Long> hit = attempts.stream()
                .filter(a -> hits(a, event))
                .map(Attempt::start)
                .sorted()
                .toList();
        final long before =
                hit.stream().filter(t -> t >= start && t < event.faultAt()).count();
        final double perSecond = before * 1000.0 / Math.max(1, event.faultAt() - start);
        final double threshold = Math.max(2, perSecond / 10);
        long last = event.faultAt();
        for (long from = event.faultAt(); from < event.healAt(); from += 250) {
            final long windowStart = from;
            final long windowEnd = Math.min(from + 1000, event.healAt());
            final List<Long> inWindow =
                    hit.stream().filter(t -> t >= windowStart && t < windowEnd).toList();
            if (inWindow.size() > threshold) {
                last = Math.max(last, inWindow.get(inWindow.size() - 1));
            }
        }
        return last;
    }

    /**
     * Whether the event's instances still got, over the fault's last five seconds (or its second half, if shorter),
     * more than a tenth of their attempts per second from before it, and more than three.
     */
    private static boolean stillBusy(List<Attempt> attempts, Scenario.Event event, long start) {
        final long span = Math.min(5000, (event.healAt() - event.faultAt()) / 2);
        final long before = attempts.stream()
                .filter(a -> hits(a, event) && a.start >= start && a.start < event.faultAt())
                .count();
        final long late = attempts.stream()
                .filter(a -> hits(a, event) && a.start >= event.healAt() - span && a.start < event.healAt())
                .count();
        final double expected = before * (double) span / Math.max(1, event.faultAt() - start);
        return late > 3 && late > expected / 10;
    }

    private static boolean seenBy(Attempt attempt, Scenario.Event event) {
        return event.client() == null || event.client().equals(attempt.client);
    }

    /** The part of the answered attempts (of the event's clients) that the event's instances answered. */
    private static double share(List<Attempt> attempts, Scenario.Event event, long from, long to) {
        long all = 0;
        long hit = 0;
        for (Attempt attempt : attempts) {
            if (attempt.ok && attempt.start >= from && attempt.start < to && seenBy(attempt, event)) {
                all++;
                if (event.targets().contains(attempt.host)) {
                    hit++;
                }
            }
        }
        return all == 0 ? 0 : (double) hit / all;
    }

    /** From the event's end, the first whole second in which its instances had their share back; null if none. */
    private static @Nullable Long backTime(List<Attempt> attempts, Scenario.Event event, double before, long end) {
        for (long from = event.backAt(); from + 1000 <= end; from += 250) {
            if (share(attempts, event, from, from + 1000) >= BACK_FRACTION * before) {
                return from + 1000 - event.backAt();
            }
        }
        return null;
    }

    private static long p99(List<Call> calls, long from, long to) {
        final long[] micros = calls.stream()
                .filter(c -> c.due >= from && c.due < to)
                .mapToLong(Call::micros)
                .sorted()
                .toArray();
        if (micros.length == 0) {
            return 0;
        }
        return micros[Math.min(micros.length - 1, (int) Math.ceil(micros.length * 0.99) - 1)];
    }

    String failedCell() {
        if (failed == 0) {
            return "0";
        }
        final List<String> kinds = new ArrayList<>();
        failures.forEach((kind, n) -> kinds.add(n + " " + kind));
        return failed + " (" + String.join(", ", kinds) + ')';
    }

    String retriesCell() {
        return retries + " / " + allowance + (retries > allowance ? " OVER" : "")
                + (budgetExhausted > 0 ? " (" + budgetExhausted + " refused)" : "");
    }

    String stopCell() {
        if (!hasTargets || stopMillis == null) {
            return "—";
        }
        if (shareBefore == 0) {
            return "— (got no traffic before)";
        }
        if (!stopped) {
            return "kept getting traffic";
        }
        return seconds(stopMillis) + (probes > 0 ? " (then " + probes + " probes)" : "");
    }

    String backCell() {
        if (!hasTargets) {
            return "—";
        }
        return back && backMillis != null ? seconds(backMillis) : "not within the recovery";
    }

    String shareCell() {
        if (!hasTargets) {
            return "—";
        }
        return percent(shareBefore) + " → " + percent(shareDuring);
    }

    static String millis(long micros) {
        return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    @Override
    public String toString() {
        return scenario.key() + " (hit: " + hit + "): " + calls + " calls, failed " + failedCell() + ", retries "
                + retriesCell() + ", stops getting traffic " + stopCell() + ", back " + backCell() + ", share "
                + shareCell() + ", p99 " + millis(p99BeforeMicros) + " → " + millis(p99DuringMicros);
    }
}
