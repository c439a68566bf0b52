package io.mesh4j.kubernetes.internal.discovery;

import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.DynamicEndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.mesh4j.client.discovery.EndpointAttributes;

/**
 * The ready endpoints of one Kubernetes Service, kept current by a list of its EndpointSlices and then a watch from
 * the list's resourceVersion. The slices are kept by name; every event replaces or removes one and the endpoints are
 * made again from all of them.
 *
 * <p>fabric8 reopens a watch that drops, from the last resourceVersion it saw. When the API server no longer has
 * that version (410 Gone: its history was compacted), no watch can resume, and events may have been missed: the group
 * lists again and watches from the new list. Any other failure to list or watch is tried again with a doubling
 * delay (up to 30 s), keeping the endpoints last seen meanwhile: a control-plane outage must not empty a service.
 */
public final class EndpointSliceGroup extends DynamicEndpointGroup {

    private static final Logger logger = LoggerFactory.getLogger(EndpointSliceGroup.class);

    /** The label Kubernetes puts on every EndpointSlice of a Service. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private static final long MAX_RETRY_MILLIS = 30_000;

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final String namespace;
    private final String service;
    private final String port;
    private final ScheduledExecutorService executor;

    // Guarded by this.
    private final Map<String, EndpointSlice> slices = new HashMap<>();
    private @Nullable Watch watch;
    private int failures;
    private long lists;
    private boolean warnedNoPort;

    private EndpointSliceGroup(
            KubernetesClient client, boolean ownsClient, String namespace, String service, String port) {
        // Empty is allowed: a Service scaled to zero has no endpoints, and calls wait for one.
        super(EndpointSelectionStrategy.weightedRoundRobin(), true);
        this.client = client;
        this.ownsClient = ownsClient;
        this.namespace = namespace;
        this.service = service;
        this.port = port;
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "mesh4j-kubernetes-" + namespace + '-' + service);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts listing and watching the EndpointSlices of {@code service} in {@code namespace}.
     *
     * @param ownsClient whether closing the group closes {@code client}
     * @param port the port's name in the slices, or its number
     */
    public static EndpointSliceGroup start(
            KubernetesClient client, boolean ownsClient, String namespace, String service, String port) {
        final EndpointSliceGroup group = new EndpointSliceGroup(client, ownsClient, namespace, service, port);
        group.executor.execute(group::listAndWatch);
        return group;
    }

    /** How many times the slices were listed: once at the start, and again after every 410 Gone. */
    public synchronized long lists() {
        return lists;
    }

    private FilterWatchListDeletable<EndpointSlice, EndpointSliceList, Resource<EndpointSlice>> slices() {
        return client.discovery().v1().endpointSlices().inNamespace(namespace).withLabel(SERVICE_NAME_LABEL, service);
    }

    private void listAndWatch() {
        if (isClosing()) {
            return;
        }
        try {
            final EndpointSliceList list = slices().list();
            final String version = list.getMetadata().getResourceVersion();
            synchronized (this) {
                lists++;
                slices.clear();
                for (EndpointSlice slice : list.getItems()) {
                    slices.put(slice.getMetadata().getName(), slice);
                }
                publish();
            }
            final Watch opened = slices().watch(
                            new ListOptionsBuilder()
                                    .withResourceVersion(version)
                                    .withAllowWatchBookmarks(true)
                                    .build(),
                            new SliceWatcher());
            synchronized (this) {
                if (isClosing()) {
                    opened.close();
                    return;
                }
                watch = opened;
                if (failures > 0) {
                    logger.info("{}/{}: watching EndpointSlices again after {} failures", namespace, service, failures);
                    failures = 0;
                }
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_GONE) {
                relist("the watch could not start: " + e.getMessage());
            } else {
                retryLater(e);
            }
        } catch (RuntimeException e) {
            retryLater(e);
        }
    }

    private void relist(String why) {
        logger.info(
                "{}/{}: EndpointSlices' resourceVersion expired (410 Gone: {}); listing again",
                namespace,
                service,
                why);
        if (!isClosing()) {
            executor.execute(this::listAndWatch);
        }
    }

    private synchronized void retryLater(Exception cause) {
        failures++;
        final long delay = Math.min(MAX_RETRY_MILLIS, 250L << Math.min(failures - 1, 10));
        if (failures == 1) {
            logger.warn(
                    "{}/{}: cannot list or watch EndpointSlices ({}); keeping the {} endpoints last seen and "
                            + "trying again",
                    namespace,
                    service,
                    cause.toString(),
                    endpoints().size());
        }
        if (!isClosing()) {
            executor.schedule(this::listAndWatch, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Makes the endpoints from every slice known now; called with the lock held. */
    private void publish() {
        // One address may be in two slices while Kubernetes moves it: keep it once.
        final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (EndpointSlice slice : slices.values()) {
            final @Nullable Integer number = portOf(slice);
            if (number == null) {
                if (!warnedNoPort) {
                    warnedNoPort = true;
                    logger.warn(
                            "{}/{}: EndpointSlice {} has no port '{}' (ports: {}); its endpoints are not called",
                            namespace,
                            service,
                            slice.getMetadata().getName(),
                            port,
                            portNames(slice));
                }
                continue;
            }
            if (slice.getEndpoints() == null) {
                continue;
            }
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint : slice.getEndpoints()) {
                if (!isReady(endpoint.getConditions())) {
                    continue;
                }
                for (String address : endpoint.getAddresses()) {
                    Endpoint made = Endpoint.of(address, number);
                    if (endpoint.getZone() != null) {
                        made = made.withAttr(EndpointAttributes.ZONE, endpoint.getZone());
                    }
                    endpoints.putIfAbsent(made.authority(), made);
                }
            }
        }
        setEndpoints(new ArrayList<>(endpoints.values()));
    }

    /** Kubernetes says an unknown readiness is to be read as ready. */
    private static boolean isReady(@Nullable EndpointConditions conditions) {
        return conditions == null || !Boolean.FALSE.equals(conditions.getReady());
    }

    private @Nullable Integer portOf(EndpointSlice slice) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort candidate : slice.getPorts()) {
            if (candidate.getPort() == null) {
                continue;
            }
            if (port.equals(candidate.getName()) || port.equals(String.valueOf(candidate.getPort()))) {
                return candidate.getPort();
            }
        }
        return null;
    }

    private static List<String> portNames(EndpointSlice slice) {
        final List<String> names = new ArrayList<>();
        if (slice.getPorts() != null) {
            for (EndpointPort candidate : slice.getPorts()) {
                names.add(candidate.getName() + '=' + candidate.getPort());
            }
        }
        return names;
    }

    private final class SliceWatcher implements Watcher<EndpointSlice> {
        @Override
        public void eventReceived(Action action, EndpointSlice slice) {
            synchronized (EndpointSliceGroup.this) {
                if (isClosing()) {
                    return;
                }
                switch (action) {
                    case ADDED, MODIFIED -> slices.put(slice.getMetadata().getName(), slice);
                    case DELETED -> slices.remove(slice.getMetadata().getName());
                    default -> {
                        // BOOKMARK moves the resourceVersion on, which fabric8 keeps; ERROR ends in onClose.
                        return;
                    }
                }
                publish();
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            synchronized (EndpointSliceGroup.this) {
                watch = null;
            }
            if (cause.isHttpGone()) {
                relist(String.valueOf(cause.getMessage()));
            } else {
                retryLater(cause);
            }
        }

        @Override
        public void onClose() {
            // Closed by the group itself.
        }
    }

    @Override
    protected synchronized void doCloseAsync(CompletableFuture<?> future) {
        if (watch != null) {
            watch.close();
            watch = null;
        }
        executor.shutdownNow();
        if (ownsClient) {
            client.close();
        }
        future.complete(null);
    }

    @Override
    public String toString() {
        return toString(buf -> buf.append(", kubernetes=")
                .append(namespace)
                .append('/')
                .append(service)
                .append(':')
                .append(port));
    }
}
