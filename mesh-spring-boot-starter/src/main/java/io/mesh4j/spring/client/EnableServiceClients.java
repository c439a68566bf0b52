package io.mesh4j.spring.client;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * Makes each interface annotated with {@link io.mesh4j.core.annotation.ServiceClient} in the named packages an
 * injectable bean, made with {@code meshClient.client(type)} when the application starts, so that an interface
 * that cannot work stops the start, naming its method. A bean of the same type that the application defines
 * itself is used instead.
 *
 * <p>Without this annotation the starter scans the application's own packages, those of its
 * {@code @SpringBootApplication} class; use it to scan other packages, or fewer. Several add up.
 *
 * <pre>{@code
 * @SpringBootApplication
 * @EnableServiceClients(basePackageClasses = CatalogClient.class)
 * public class ShopApplication { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Import(MeshClientsRegistrar.class)
public @interface EnableServiceClients {

    /**
     * Alias for {@link #basePackages()}.
     *
     * @return the packages to scan
     */
    @AliasFor("basePackages")
    String[] value() default {};

    /**
     * Returns the packages to scan, subpackages included; the annotated class's package unless any package is
     * named.
     *
     * @return package names, such as {@code "com.example.catalog"}; none unless set
     */
    @AliasFor("value")
    String[] basePackages() default {};

    /**
     * Scans the package of each of these classes, a type-safe way to name {@link #basePackages()}.
     *
     * @return classes whose packages to scan; none unless set
     */
    Class<?>[] basePackageClasses() default {};
}
