package io.mesh4j.benchmarks.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.process.ChildProcess;

/**
 * The faults of the chaos run, each under the steady load of every client. A scenario runs its baseline, its
 * fault and its recovery, and says when it hit what: the {@link Event}s the report measures around.
 */
enum Scenario {
    INSTANCE_KILL("instance-kill", "SIGKILL the busiest instance; start it again after the fault period") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final ChaosMesh.Instance target = busiest.of(null);
            final long at = now();
            mesh.process(target).kill();
            pause(phases.fault());
            final long healAt = now();
            mesh.startInstance(target);
            return List.of(new Event(Set.of(target.node.ip()), null, at, healAt, now()));
        }
    },
    INSTANCE_STOP(
            "instance-stop",
            "SIGSTOP the busiest instance (frozen: connections open, nothing answered); SIGCONT after") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final ChaosMesh.Instance target = busiest.of(null);
            final ChildProcess process = mesh.process(target);
            final long at = now();
            ChaosMesh.signal(process, "STOP");
            pause(phases.fault());
            final long healAt = now();
            ChaosMesh.signal(process, "CONT");
            return List.of(new Event(Set.of(target.node.ip()), null, at, healAt, healAt));
        }
    },
    LOSS("loss-5%", "nftables drops 5% of the packets each way on every instance's link") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final long at = now();
            for (ChaosMesh.Instance instance : mesh.instances()) {
                mesh.network()
                        .nft(
                                instance.node,
                                "add rule inet chaos input iifname \"eth0\" numgen random mod 100 < 5 "
                                        + "drop\nadd rule inet chaos output oifname \"eth0\" numgen random mod 100 < 5 drop\n");
            }
            pause(phases.fault());
            final long healAt = now();
            mesh.instances().forEach(instance -> mesh.network().clearRules(instance.node));
            return List.of(new Event(Set.of(), null, at, healAt, healAt));
        }
    },
    DELAY("delay-50±20ms", "every instance's answers held 50 ms ± 20 ms (a relay in its namespace; no netem here)") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final long at = now();
            mesh.delayAll(50, 20);
            pause(phases.fault());
            final long healAt = now();
            mesh.delayAll(0, 0);
            return List.of(new Event(Set.of(), null, at, healAt, healAt));
        }
    },
    REGISTRY_PARTITION(
            "partition instance–registry",
            "nftables drops every packet between the busiest instance and the registry (it still serves its callers)") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final ChaosMesh.Instance target = busiest.of(null);
            final String registry = mesh.registryNode().ip();
            final long at = now();
            mesh.network()
                    .nft(
                            target.node,
                            "add rule inet chaos input ip saddr " + registry + " drop\n"
                                    + "add rule inet chaos output ip daddr " + registry + " drop\n");
            // Longer than the registration's TTL (15 s), for the registry to let it go.
            pause(max(phases.fault(), Duration.ofSeconds(25)));
            final long healAt = now();
            mesh.network().clearRules(target.node);
            return List.of(new Event(Set.of(target.node.ip()), null, at, healAt, healAt));
        }
    },
    CLIENT_PARTITION(
            "partition client–instance",
            "nftables drops every packet between client c1 and the instance it used most") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final ChaosMesh.Client c1 = mesh.clients().get(0);
            final ChaosMesh.Instance target = busiest.of(c1.name());
            final long at = now();
            mesh.network()
                    .nft(
                            c1.node(),
                            "add rule inet chaos input ip saddr " + target.node.ip() + " drop\n"
                                    + "add rule inet chaos output ip daddr " + target.node.ip() + " drop\n");
            pause(phases.fault());
            final long healAt = now();
            mesh.network().clearRules(c1.node());
            return List.of(new Event(Set.of(target.node.ip()), c1.name(), at, healAt, healAt));
        }
    },
    SLOW_ZONE(
            "slow zone b", "tc tbf 128 kbit/s (burst 2 KiB, queue 100 ms) both ways on every zone-b instance's link") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final List<ChaosMesh.Instance> zoneB =
                    mesh.instances().stream().filter(i -> "b".equals(i.zone)).toList();
            final long at = now();
            zoneB.forEach(instance -> mesh.network().slowLink(instance.node, "rate 128kbit burst 2kb latency 100ms"));
            pause(phases.fault());
            final long healAt = now();
            zoneB.forEach(instance -> mesh.network().normalLink(instance.node));
            return List.of(
                    new Event(Set.copyOf(zoneB.stream().map(i -> i.node.ip()).toList()), null, at, healAt, healAt));
        }
    },
    REGISTRY_KILL("registry-kill", "SIGKILL the registry; start it again on its data after the fault period") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final long at = now();
            mesh.killRegistry();
            pause(phases.fault());
            final long healAt = now();
            mesh.startRegistry();
            return List.of(new Event(Set.of(), null, at, healAt, now()));
        }
    },
    ROLLING_RESTART("rolling restart", "each instance in turn: SIGTERM (deregister, drain), start again, 3 s") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final List<Event> events = new ArrayList<>();
            for (ChaosMesh.Instance instance : mesh.instances()) {
                final long at = now();
                mesh.process(instance).close();
                final long healAt = now();
                mesh.startInstance(instance);
                events.add(new Event(Set.of(instance.node.ip()), null, at, healAt, now()));
                pause(Duration.ofSeconds(3));
            }
            return events;
        }
    },
    CERT_ROTATION(
            "cert rotation",
            "registry restarted to issue 10 s certificates: once each workload's long one is due, it renews every ~7 s for a minute") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final long at = now();
            final Duration normal = mesh.leafTtl();
            mesh.restartRegistry(Duration.ofSeconds(10));
            // The workloads hold certificates of the run's lifetime: they renew into short ones within 2/3 of it,
            // then every ~7 s for a minute. The registry stays so: restarting it again would be an outage longer
            // than a 10 s certificate's last third, which is why this scenario runs last.
            pause(normal.multipliedBy(2).dividedBy(3).plus(Duration.ofSeconds(60)));
            final long healAt = now();
            return List.of(new Event(Set.of(), null, at, healAt, healAt));
        }
    },
    CA_ROTATION(
            "CA rotation",
            "meshctl ca rotate (the admin API) under load; workloads pick the new root up as they renew") {
        @Override
        List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest) {
            final long at = now();
            mesh.registry().admin().rotateCa().join();
            // Every workload renews once, and learns the new root, within two thirds of its certificate's life.
            pause(max(
                    phases.fault(), mesh.leafTtl().multipliedBy(2).dividedBy(3).plus(Duration.ofSeconds(10))));
            final long healAt = now();
            return List.of(new Event(Set.of(), null, at, healAt, healAt));
        }
    };

    /** When a scenario hit which instances, as seen by which client ({@code null}: all), and when it healed. */
    record Event(Set<String> targets, @Nullable String client, long faultAt, long healAt, long backAt) {}

    /** The instance that answered most of the baseline's attempts: the one whose loss is felt. */
    interface Busiest {
        /** Of the attempts of {@code client}, or of every client's when {@code null}. */
        ChaosMesh.Instance of(@Nullable String client);
    }

    /** How long each part of a scenario lasts. */
    record Phases(Duration baseline, Duration fault, Duration recovery) {}

    private final String key;
    private final String description;

    Scenario(String key, String description) {
        this.key = key;
        this.description = description;
    }

    String key() {
        return key;
    }

    String description() {
        return description;
    }

    /** Injects the fault, waits it out, heals it; returns when the fault hit what, and when it ended. */
    abstract List<Event> fault(ChaosMesh mesh, Phases phases, Busiest busiest);

    /** The scenarios named by their {@link #name()} in any case, or their key, separated by commas. */
    static List<Scenario> parse(String names) {
        final List<Scenario> scenarios = new ArrayList<>();
        for (String name : names.split(",")) {
            final String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            scenarios.add(Arrays.stream(values())
                    .filter(s ->
                            s.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "' (expected: "
                            + String.join(
                                    ", ",
                                    Arrays.stream(values())
                                            .map(Scenario::cliName)
                                            .toList()) + ')')));
        }
        return scenarios;
    }

    String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static long now() {
        return System.currentTimeMillis();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Lets the fault run for {@code duration}: the length of a measured phase, not a wait for a condition.
     */
    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
