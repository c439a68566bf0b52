package io.mesh4j.spring.apps.frontend;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Answers a checkout with the order that orders, called through the mesh, has. */
@RestController
public class CheckoutController {

    private final OrdersClient orders;
    private final PaymentsClient payments;

    CheckoutController(OrdersClient orders, PaymentsClient payments) {
        this.orders = orders;
        this.payments = payments;
    }

    @GetMapping("/checkout/{id}")
    String checkout(@PathVariable String id) {
        final OrdersClient.Order order = orders.order(id);
        return "order " + order.id() + ": " + order.status();
    }

    @GetMapping("/summary/{id}")
    String summary(@PathVariable String id) {
        return "order " + id + ": " + orders.orderOrUnknown(id).status() + ", " + payments.payment(id);
    }
}
