package io.mesh4j.examples.services;

import java.net.URI;

import io.grpc.stub.StreamObserver;
import io.mesh4j.examples.inventory.InventoryGrpc;
import io.mesh4j.examples.inventory.Stock;
import io.mesh4j.examples.inventory.StockRequest;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * The last service of the chain: answers how many of a product are in stock, over gRPC
 * ({@code mesh4j.examples.inventory.Inventory/GetStock}, from {@code src/main/protobuf/inventory.proto}). Calls
 * nobody.
 */
public final class Inventory {

    public static final String SERVICE = "inventory";

    /** The route of its one method: what access policies and telemetry name. */
    public static final String GET_STOCK =
            "/" + InventoryGrpc.getGetStockMethod().getFullMethodName();

    /**
     * An inventory instance, ready to build or adjust further.
     */
    public static MeshServerBuilder server(URI registry, String instanceId) {
        return MeshServer.builder(SERVICE, registry).instanceId(instanceId).grpcService(new StockService(instanceId));
    }

    /** The gRPC service: a made-up stock level that depends only on the product, so that answers are stable. */
    private static final class StockService extends InventoryGrpc.InventoryImplBase {

        private final String instanceId;

        StockService(String instanceId) {
            this.instanceId = instanceId;
        }

        @Override
        public void getStock(StockRequest request, StreamObserver<Stock> answer) {
            final String sku = request.getSku();
            answer.onNext(Stock.newBuilder()
                    .setSku(sku)
                    .setAvailable(Math.floorMod(sku.hashCode(), 100))
                    .setServedBy(instanceId)
                    .build());
            answer.onCompleted();
        }
    }

    private Inventory() {}
}
