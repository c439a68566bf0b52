package io.mesh4j.client.internal.balancer.p2c;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.endpoint.AbstractEndpointSelector;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogAccess;

import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.internal.balancer.AttemptFeedback;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.client.internal.stack.ClientPass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.netty.util.AttributeKey;

/**
 * Power of two choices over peak-EWMA load: of two endpoints picked at random, take the one with the lower
 * {@link EndpointLoad#load(long) load}. Two random picks rather than the least loaded of all keep the choice
 * cheap and keep many clients from herding onto the same "best" endpoint at once.
 *
 * <p>Each endpoint's share follows its registered weight. While all weights are equal the choice is the
 * plain one above. Otherwise the first endpoint is drawn by weight and the second uniformly from the others, so
 * that a pair comes up in proportion to the sum of its weights; of two endpoints of different weights, each
 * counts its requests in flight divided by its weight relative to the other's, and they race: each wins with a
 * chance proportional to its weight over its load to the power SHARPNESS. Two endpoints as loaded as
 * their weights say then split the picks by weight, whether calls overlap or come one at a time, and a slower or
 * failing one still loses nearly every pick. A fixed comparison of load divided by weight (Linkerd's weighted
 * load) would send every call to the heavier of two equally fast endpoints while calls do not overlap, for
 * nothing is in flight to tell them apart but their weights.
 */
public final class PeakEwmaBalancer implements Balancer, AttemptFeedback {

    /** How fast old latency fades: Finagle's and Linkerd's default. */
    static final Duration DECAY = Duration.ofSeconds(10);

    /** How long an endpoint no longer offered is remembered: long enough for its cost to have decayed. */
    static final Duration FORGET_AFTER = DECAY.multipliedBy(6);

    /**
     * The endpoints a call's attempts went to, on the call's context: Armeria selects a retry's endpoint with the
     * call's context, and a retry should not go back to the endpoint that just failed it. Load alone does not
     * ensure that: a dead endpoint's failure penalty can weigh less than a live but busy endpoint's load.
     */
    private static final AttributeKey<Set<Endpoint>> TRIED = AttributeKey.valueOf(PeakEwmaBalancer.class, "TRIED");

    /** A new endpoint's share never starts below this, as Envoy's slow start: it must still be probed. */
    static final double MIN_RAMP = 0.1;

    /**
     * How sharply a race between endpoints of different weights follows their loads: one twice as loaded as its
     * weight says wins {@code 1 / 2^SHARPNESS} of what it would, so a slow or failing endpoint is still all but
     * avoided. Sharper, and noise in two equally fast endpoints' latencies would decide more picks than their
     * weights.
     */
    static final double SHARPNESS = 4;

    private final Ticker ticker;
    private final EndpointAvailability availability;
    private final long slowStartNanos;
    private final Map<Endpoint, EndpointLoad> loads = new ConcurrentHashMap<>();
    private final LoadFeedback feedback = new LoadFeedback();
    /**
     * Every instance this balancer has been offered, by registry instance id (an address may come back as
     * another instance): one it has not is new, and starts slowly.
     */
    private final Set<Object> seen = ConcurrentHashMap.newKeySet();
    /** When each endpoint still warming up was first offered. */
    private final Map<Endpoint, Long> warmingSince = new ConcurrentHashMap<>();

    public PeakEwmaBalancer(Ticker ticker, EndpointAvailability availability) {
        this(ticker, availability, Duration.ZERO);
    }

    /**
     * @param slowStart how long a new endpoint's share ramps up for, from {@value #MIN_RAMP} of what its load
     *                  would give it to all of it; zero for none. The endpoints of the first answer are not new.
     */
    public PeakEwmaBalancer(Ticker ticker, EndpointAvailability availability, Duration slowStart) {
        this.ticker = requireNonNull(ticker, "ticker");
        this.availability = requireNonNull(availability, "availability");
        requireNonNull(slowStart, "slowStart");
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("slowStart: " + slowStart + " (expected: >= 0)");
        }
        slowStartNanos = slowStart.toNanos();
    }

    /**
     * How much of its share {@code endpoint} gets now: 1 once warm, less while it ramps up after joining. A
     * JVM that has just started has a cold JIT and cold caches; at full share at once, it would be the slowest
     * endpoint and look like the least loaded one.
     */
    double rampOf(Endpoint endpoint, long now) {
        final @Nullable Long since = warmingSince.get(endpoint);
        if (since == null) {
            return 1;
        }
        final double ramp = (double) (now - since) / slowStartNanos;
        if (ramp >= 1) {
            warmingSince.remove(endpoint);
            return 1;
        }
        return Math.max(MIN_RAMP, ramp);
    }

    private void offered(List<Endpoint> endpoints, long now) {
        if (slowStartNanos == 0) {
            return;
        }
        final boolean firstAnswer = seen.isEmpty();
        for (Endpoint endpoint : endpoints) {
            final @Nullable Object instance = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
            if (seen.add(instance != null ? instance : endpoint) && !firstAnswer) {
                warmingSince.put(endpoint, now);
            }
        }
    }

    @Override
    public EndpointSelectionStrategy selectionStrategy() {
        return Selector::new;
    }

    @Override
    public HttpClient observe(HttpClient transport) {
        return ClientPass.alone(AttemptFeedback.ROLE, feedback, ResponseClassifier.ofDefault())
                .apply(transport);
    }

    @Override
    public Interceptor<ClientRequestContext> feedback() {
        return feedback;
    }

    /**
     * The load of {@code endpoint} as the balancer sees it now; for tests and the admin view.
     */
    public double loadOf(Endpoint endpoint) {
        final EndpointLoad load = loads.get(endpoint);
        return load == null ? 0 : load.load(ticker.read());
    }

    /**
     * An endpoint its breaker would refuse weighs more than any other.
     *
     * @param weight the endpoint's weight relative to the one it is compared with, as {@link EndpointLoad} takes it
     */
    private double load(Endpoint endpoint, long now, double weight) {
        return availability.isAvailable(endpoint) ? loadOf0(endpoint).load(now, weight) : Double.MAX_VALUE;
    }

    /** Of two endpoints, the one whose load is lower for its weight; see the class's description. */
    private Endpoint lighter(Endpoint a, Endpoint b, long now, ThreadLocalRandom random) {
        final int weightOfA = Offer.weightOf(a);
        final int weightOfB = Offer.weightOf(b);
        if (weightOfA == weightOfB) {
            return load(a, now, 1) <= load(b, now, 1) ? a : b;
        }
        final double unit = Math.min(weightOfA, weightOfB);
        final double loadOfA = load(a, now, weightOfA / unit);
        final double loadOfB = load(b, now, weightOfB / unit);
        final double chanceOfA;
        if (loadOfA == loadOfB) {
            // Unknown, refused or exactly as loaded: by weight alone.
            chanceOfA = (double) weightOfA / (weightOfA + weightOfB);
        } else if (loadOfA == 0 || loadOfB == 0) {
            // Never tried: it wins, as it would against an endpoint of its own weight.
            return loadOfA == 0 ? a : b;
        } else {
            // weightOfA / loadOfA^k against weightOfB / loadOfB^k, written so that a refused endpoint's
            // Double.MAX_VALUE gives a chance of 0 or 1 rather than infinities.
            chanceOfA = weightOfA / (weightOfA + weightOfB * Math.pow(loadOfA / loadOfB, SHARPNESS));
        }
        return random.nextDouble() < chanceOfA ? a : b;
    }

    /**
     * Whether this pick goes to {@code endpoint} as a probe: one whose cost jumped and that nobody picked since
     * gets an attempt now and then, so that it can show the jump was a stall (see {@link EndpointLoad}). Not one its
     * breaker would refuse.
     */
    private boolean probes(Endpoint endpoint, long now) {
        final @Nullable EndpointLoad load = loads.get(endpoint);
        return load != null && availability.isAvailable(endpoint) && load.tryProbe(now);
    }

    private EndpointLoad loadOf0(Endpoint endpoint) {
        return loads.computeIfAbsent(endpoint, unused -> new EndpointLoad(DECAY.toNanos(), ticker.read()));
    }

    @Override
    public String toString() {
        return "p2c-peak-ewma";
    }

    private final class Selector extends AbstractEndpointSelector {

        private volatile Offer offer = Offer.EMPTY;

        Selector(EndpointGroup group) {
            super(group);
            initialize();
        }

        @Override
        protected void updateNewEndpoints(List<Endpoint> endpoints) {
            offer = new Offer(endpoints);
            final long now = ticker.read();
            offered(endpoints, now);
            // An endpoint ejected for a while keeps what was learnt of it (a dead one must not come back as the
            // cheapest); one gone long enough to have decayed anyway is forgotten.
            loads.entrySet()
                    .removeIf(e ->
                            !endpoints.contains(e.getKey()) && e.getValue().idleNanos(now) > FORGET_AFTER.toNanos());
        }

        @Override
        protected @Nullable Endpoint doSelectNow(ClientRequestContext ctx) {
            final Offer offer = this.offer;
            final List<Endpoint> endpoints = offer.endpoints();
            final int size = endpoints.size();
            if (size == 0) {
                return null;
            }
            if (size == 1) {
                return endpoints.get(0);
            }
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            // The first by weight, the second uniformly from the others: uniform pairs while weights are equal.
            final int first = offer.drawByWeight(random);
            int second = random.nextInt(size - 1);
            if (second >= first) {
                second++;
            }
            final Endpoint a = endpoints.get(first);
            final Endpoint b = endpoints.get(second);
            final @Nullable Set<Endpoint> tried = ctx.attr(TRIED);
            if (tried != null && tried.contains(a) != tried.contains(b)) {
                // A retry: of the two, the one this call has not tried yet, unless its breaker would refuse it
                // (then the load below, which weighs it heaviest, decides): a refusal is not remembered as tried,
                // so preferring it blindly sent every retry of a call back to a refusing endpoint.
                final Endpoint untried = tried.contains(a) ? b : a;
                if (availability.isAvailable(untried)) {
                    return untried;
                }
            }
            final long now = ticker.read();
            if (probes(a, now)) {
                return a;
            }
            if (probes(b, now)) {
                return b;
            }
            final Endpoint lighter = lighter(a, b, now, random);
            if (slowStartNanos > 0 && random.nextDouble() >= rampOf(lighter, now)) {
                // Still warming up: it wins only its ramp's share of the picks it would win.
                return lighter == a ? b : a;
            }
            return lighter;
        }
    }

    /** Notes {@code endpoint} as tried on the context of the call that {@code attempt} belongs to. */
    private static void remember(ClientRequestContext attempt, Endpoint endpoint) {
        final @Nullable RequestLogAccess parent = attempt.log().parent();
        final ClientRequestContext call = parent != null ? (ClientRequestContext) parent.context() : attempt;
        // Copied on a retry only: most calls take one attempt, and pay for one small immutable set. A call's
        // attempts run one after another; two hedges racing here at worst forget one endpoint of the preference.
        final @Nullable Set<Endpoint> tried = call.attr(TRIED);
        if (tried == null) {
            call.setAttr(TRIED, Set.of(endpoint));
        } else if (!tried.contains(endpoint)) {
            final Set<Endpoint> more = new HashSet<>(tried);
            more.add(endpoint);
            call.setAttr(TRIED, Set.copyOf(more));
        }
    }

    /** Counts each attempt in flight on its endpoint and feeds its latency into the endpoint's cost. */
    private final class LoadFeedback implements Interceptor<ClientRequestContext> {

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            final Endpoint endpoint = ctx.endpoint();
            if (endpoint == null) {
                return null;
            }
            remember(ctx, endpoint);
            final EndpointLoad load = loadOf0(endpoint);
            exchange.keep(new Started(load, ticker.read()));
            load.start();
            return null;
        }

        @Override
        public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
            final @Nullable Started started = exchange.kept();
            if (started == null) {
                return;
            }
            final long now = ticker.read();
            if (log.responseHeaders().status().code() > 0) {
                started.load().end(now - started.nanos(), now);
            } else {
                // Refused, reset or timed out: a failure, not a latency. A refusal is fast and would make a
                // dead endpoint look like the best one; a timeout is long and would keep a frozen one out
                // for a minute after it answers again. Both add the same short-lived penalty.
                started.load().fail(now);
            }
        }

        @Override
        public String toString() {
            return "LoadFeedback(" + PeakEwmaBalancer.this + ')';
        }
    }

    /** An attempt in flight on an endpoint, since when. */
    private record Started(EndpointLoad load, long nanos) {}
}
