package io.mesh4j.spring.apps.frontend;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** A web application that calls orders through its injected {@link OrdersClient}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(CheckoutController.class)
public class FrontendApplication {}
