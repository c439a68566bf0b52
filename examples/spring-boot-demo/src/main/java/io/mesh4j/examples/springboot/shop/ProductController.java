package io.mesh4j.examples.springboot.shop;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.mesh4j.client.typed.MeshCallException;

/**
 * {@code GET /products/{sku}}: the catalog's item, priced for display. The controller knows the catalog only by
 * its interface; where the catalog runs, and how many instances it has, is the mesh's business.
 */
@RestController
public class ProductController {

    /** What the shop answers: the catalog's item, and which catalog instance gave it. */
    public record Product(String sku, String name, String price, String servedBy) {}

    private final CatalogClient catalog;

    public ProductController(CatalogClient catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/products/{sku}")
    public Product product(@PathVariable String sku) {
        final CatalogClient.Item item = catalog.item(sku);
        return new Product(
                item.sku(),
                item.name(),
                String.format("%d.%02d EUR", item.priceCents() / 100, item.priceCents() % 100),
                item.servedBy());
    }

    /** The catalog's refusal, passed on as it came: a 404 stays a 404, a 429 a 429. */
    @ExceptionHandler(MeshCallException.class)
    public ResponseEntity<String> catalogRefused(MeshCallException e) {
        return ResponseEntity.status(HttpStatus.valueOf(e.status().code())).body(e.getMessage());
    }
}
