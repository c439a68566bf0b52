package io.mesh4j.spring.apps.frontend;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.Fallback;
import io.mesh4j.core.annotation.ServiceClient;

/** The frontend's typed client of orders, found by the auto-scan of the frontend's package. */
@ServiceClient("orders")
public interface OrdersClient {

    /** An order, as the frontend reads it. */
    record Order(String id, String status) {}

    @Get("/orders/{id}")
    Order order(@Param("id") String id);

    /** The status alone, or "unknown" when orders cannot be reached. */
    @Get("/orders/{id}")
    @Fallback("unknownStatus")
    Order orderOrUnknown(@Param("id") String id);

    default Order unknownStatus(String id) {
        return new Order(id, "unknown");
    }
}
