package io.mesh4j.examples.springboot.catalog;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The {@code catalog} service: its configuration is {@code catalog.properties}, its one route {@link CatalogApi}.
 * The starter serves that route over mTLS, registers the instance once the application is ready, and deregisters
 * and drains it on shutdown.
 */
@SpringBootApplication
public class CatalogApplication {

    /** Reads {@code catalog.properties} rather than {@code application.properties}: two services share this jar. */
    public static final String CONFIG_NAME = "--spring.config.name=catalog";

    public static void main(String[] args) {
        final String[] withConfig = new String[args.length + 1];
        withConfig[0] = CONFIG_NAME;
        System.arraycopy(args, 0, withConfig, 1, args.length);
        SpringApplication.run(CatalogApplication.class, withConfig);
    }
}
