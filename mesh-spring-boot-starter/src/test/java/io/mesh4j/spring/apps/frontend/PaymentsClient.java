package io.mesh4j.spring.apps.frontend;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.ServiceClient;
import io.mesh4j.core.annotation.Timeout;

/** A client of payments, which no instance serves in the test: its fallback class answers. */
@ServiceClient(value = "payments", fallback = PaymentsClient.NotYetPaid.class)
public interface PaymentsClient {

    @Get("/payments/{order}")
    @Timeout(300)
    String payment(@Param("order") String order);

    /** Not a bean of the application: the starter makes one for the client. */
    final class NotYetPaid implements PaymentsClient {
        @Override
        public String payment(String order) {
            return "not yet paid";
        }
    }
}
