package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.client.EnableServiceClients;
import io.mesh4j.spring.client.MeshClientsAutoConfiguration;
import io.mesh4j.spring.fixtures.broken.BrokenClient;
import io.mesh4j.spring.fixtures.inventory.InventoryClient;
import io.mesh4j.spring.fixtures.inventory.InventoryClients;

/**
 * {@code @ServiceClient} interfaces as beans: found by the auto-scan of the application's packages or in the packages
 * {@link EnableServiceClients} names, giving way to the application's own bean, and failing the start with a failure
 * analysis when one cannot work.
 */
class MeshClientsTest {

    /** A registry address nothing listens on: a typed client is made without reaching the registry. */
    private static final String NOWHERE = "http://127.0.0.1:1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshClientsAutoConfiguration.class))
            .withPropertyValues("spring.application.name=frontend", "mesh.registry=" + NOWHERE, "mesh.tls=off");

    /** An application whose own package, as its @SpringBootApplication would say, holds a typed client. */
    @Configuration(proxyBeanMethods = false)
    @AutoConfigurationPackage(basePackageClasses = InventoryClient.class)
    static class InventoryApplication {}

    /** An application whose packages hold a broken typed client too, and that names the one package it wants. */
    @Configuration(proxyBeanMethods = false)
    @AutoConfigurationPackage(basePackages = "io.mesh4j.spring.fixtures")
    @EnableServiceClients(basePackageClasses = InventoryClient.class)
    static class ChoosesItsPackages {}

    @Configuration(proxyBeanMethods = false)
    @EnableServiceClients(basePackageClasses = BrokenClient.class)
    static class ScansTheBrokenClient {}

    /** The application's own implementation, as a test double or a hand-written client would be. */
    static final class OwnInventoryClient implements InventoryClient {
        @Override
        public String stock(String sku) {
            return "12";
        }
    }

    @Test
    void anInterfaceInTheApplicationsPackagesBecomesABean() {
        runner.withUserConfiguration(InventoryApplication.class).run(context -> {
            assertThat(context).hasSingleBean(InventoryClient.class);
            assertThat(context.getBean(InventoryClient.class).toString())
                    .isEqualTo("InventoryClient(mesh client of inventory)");
        });
    }

    @Test
    void enableMeshClientsScansOnlyThePackagesItNamesInsteadOfTheApplications() {
        // The application's packages hold BrokenClient: scanning them would fail the start.
        runner.withUserConfiguration(ChoosesItsPackages.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(InventoryClient.class);
            assertThat(context).doesNotHaveBean(BrokenClient.class);
        });
    }

    @Test
    void enableMeshClientsWithoutPackagesScansThePackageOfTheClassItAnnotates() {
        runner.withUserConfiguration(InventoryClients.class)
                .run(context -> assertThat(context).hasSingleBean(InventoryClient.class));
    }

    @Test
    void withoutApplicationPackagesNothingIsScanned() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(InventoryClient.class);
        });
    }

    @Test
    void theApplicationsOwnBeanOfTheInterfaceWins() {
        runner.withUserConfiguration(InventoryApplication.class)
                .withBean(OwnInventoryClient.class)
                .run(context -> {
                    assertThat(context).hasSingleBean(InventoryClient.class);
                    assertThat(context.getBean(InventoryClient.class)).isInstanceOf(OwnInventoryClient.class);
                });
    }

    @Test
    void noTypedClientWhenTheMeshIsDisabled() {
        runner.withUserConfiguration(InventoryClients.class)
                .withPropertyValues("mesh.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(InventoryClient.class);
                });
    }

    @Test
    void aBrokenInterfaceFailsTheStartNamingItsMethodAndSayingHowToFixIt() {
        runner.withUserConfiguration(ScansTheBrokenClient.class).run(context -> {
            final FailureAnalysis analysis = FailureAnalyses.of(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains("the @ServiceClient interface " + BrokenClient.class.getName() + " cannot be made")
                    .contains("BrokenClient.item(String): no @Param for the path variables [sku] of /items/{sku}");
            assertThat(analysis.getAction())
                    .contains("Fix " + BrokenClient.class.getName())
                    .contains("a @Param for each path variable")
                    .contains("@EnableServiceClients");
        });
    }
}
