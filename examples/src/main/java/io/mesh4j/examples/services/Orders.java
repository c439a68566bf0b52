package io.mesh4j.examples.services;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.grpc.Status;
import io.mesh4j.client.MeshClient;
import io.mesh4j.examples.inventory.InventoryGrpc;
import io.mesh4j.examples.inventory.Stock;
import io.mesh4j.examples.inventory.StockRequest;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * The middle of the chain: an order, with the stock of its product asked of inventory through the mesh, over
 * gRPC. The handler holds no retry, timeout or discovery code: the mesh client does all of it.
 */
public final class Orders {

    public static final String SERVICE = "orders";

    /** How long orders waits for inventory's answer: the gRPC deadline of the call. */
    private static final long INVENTORY_DEADLINE_MILLIS = 2_000;

    /**
     * An orders instance that answers {@code extraLatency} later than it could, to play a slow instance.
     */
    public static MeshServerBuilder server(URI registry, MeshClient mesh, String instanceId, Duration extraLatency) {
        // The future stub: the handler runs on an event loop, which must never wait on a blocking stub.
        final InventoryGrpc.InventoryFutureStub inventory =
                mesh.grpcClient(Inventory.SERVICE, InventoryGrpc.InventoryFutureStub.class);
        return MeshServer.builder(SERVICE, registry).instanceId(instanceId).service("/orders/{id}", (ctx, req) -> {
            final String id = ctx.pathParam("id");
            final ListenableFuture<Stock> stock = inventory
                    .withDeadlineAfter(INVENTORY_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .getStock(StockRequest.newBuilder().setSku("sku-" + id).build());
            final HttpResponse answer = HttpResponse.of(toCompletable(stock).handle((found, failure) -> {
                if (failure != null) {
                    final Status status = Status.fromThrowable(failure);
                    return HttpResponse.of(
                            HttpStatus.BAD_GATEWAY,
                            MediaType.PLAIN_TEXT_UTF_8,
                            "inventory answered " + status.getCode() + ": " + status.getDescription());
                }
                return HttpResponse.of(
                        MediaType.JSON_UTF_8,
                        "{\"order\":\"%s\",\"servedBy\":\"%s\",\"stock\":"
                                + "{\"sku\":\"%s\",\"available\":%d,\"servedBy\":\"%s\"}}",
                        id,
                        instanceId,
                        found.getSku(),
                        found.getAvailable(),
                        found.getServedBy());
            }));
            return extraLatency.isZero() ? answer : HttpResponse.delayed(answer, extraLatency);
        });
    }

    /** A gRPC future as a CompletableFuture, completed on the thread that completes it (no pool of its own). */
    private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> future) {
        final CompletableFuture<T> completable = new CompletableFuture<>();
        future.addListener(
                () -> {
                    try {
                        completable.complete(Futures.getDone(future));
                    } catch (ExecutionException e) {
                        completable.completeExceptionally(e.getCause());
                    } catch (RuntimeException e) {
                        completable.completeExceptionally(e);
                    }
                },
                MoreExecutors.directExecutor());
        return completable;
    }

    private Orders() {}
}
