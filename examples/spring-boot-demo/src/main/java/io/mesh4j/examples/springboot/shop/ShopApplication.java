package io.mesh4j.examples.springboot.shop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The {@code shop} service: a web application whose {@link ProductController} calls the catalog through
 * {@link CatalogClient}, a bean the starter makes because the interface sits in this application's package.
 */
@SpringBootApplication
public class ShopApplication {

    /** Reads {@code shop.properties} rather than {@code application.properties}: two services share this jar. */
    public static final String CONFIG_NAME = "--spring.config.name=shop";

    public static void main(String[] args) {
        final String[] withConfig = new String[args.length + 1];
        withConfig[0] = CONFIG_NAME;
        System.arraycopy(args, 0, withConfig, 1, args.length);
        SpringApplication.run(ShopApplication.class, withConfig);
    }
}
