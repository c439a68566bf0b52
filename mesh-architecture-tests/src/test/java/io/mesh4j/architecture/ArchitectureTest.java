package io.mesh4j.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The two promises of the layout, checked on the compiled classes of every library module: the module arrows of
 * DESIGN.md point down, and what the API packages show a user is made of API types only.
 */
class ArchitectureTest {

    private static final JavaClasses MESH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(
                    "io.mesh4j.core",
                    "io.mesh4j.client",
                    "io.mesh4j.server",
                    "io.mesh4j.registry",
                    "io.mesh4j.kubernetes",
                    "io.mesh4j.spring");

    private static final String CORE = "io.mesh4j.core..";
    private static final String CLIENT = "io.mesh4j.client..";
    private static final String SERVER = "io.mesh4j.server..";
    private static final String REGISTRY = "io.mesh4j.registry..";
    private static final String SPRING = "io.mesh4j.spring..";
    private static final String KUBERNETES = "io.mesh4j.kubernetes..";

    @Test
    void coreKnowsNothingOfTheModulesAboveIt() {
        arrow(CORE, CLIENT, SERVER, REGISTRY, SPRING, KUBERNETES);
    }

    @Test
    void theKubernetesBackendStandsOnTheClientAndNothingNeedsIt() {
        // The client finds it through ServiceLoader, so that only who wants fabric8 carries it.
        arrow(KUBERNETES, SERVER, REGISTRY, SPRING);
        arrow(CLIENT, KUBERNETES);
        arrow(SPRING, KUBERNETES);
    }

    @Test
    void clientAndServerNeverKnowEachOther() {
        arrow(CLIENT, SERVER, REGISTRY, SPRING);
        arrow(SERVER, CLIENT, REGISTRY, SPRING, KUBERNETES);
    }

    @Test
    void registryNeverLinksTheClientOrServerStacks() {
        arrow(REGISTRY, CLIENT, SERVER, SPRING, KUBERNETES);
    }

    @Test
    void apiPackagesShowNoInternalTypeInPublicSignatures() {
        classes()
                .that()
                .resideOutsideOfPackage("..internal..")
                .and(isVisibleToUsers())
                .should(showOnlyApiTypes())
                .check(MESH);
    }

    @Test
    void everyMeshPackageIsFound() {
        // Guards the rules above against passing on nothing, as they would if the import found no class.
        for (String module : List.of("core", "client", "server", "registry", "spring")) {
            org.assertj.core.api.Assertions.assertThat(
                            MESH.stream().filter(c -> c.getPackageName().startsWith("io.mesh4j." + module)))
                    .as(module)
                    .hasSizeGreaterThan(5);
        }
    }

    private static void arrow(String from, String... notTo) {
        final ArchRule rule = noClasses()
                .that()
                .resideInAPackage(from)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(notTo)
                .because("modules point down DESIGN.md's table, never up or sideways");
        rule.check(MESH);
    }

    /** Public, and so are the classes it is nested in: a user can name it. */
    private static com.tngtech.archunit.base.DescribedPredicate<JavaClass> isVisibleToUsers() {
        return com.tngtech.archunit.base.DescribedPredicate.describe("visible to users", ArchitectureTest::visible);
    }

    private static boolean visible(JavaClass type) {
        for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null)) {
            if (!c.getModifiers().contains(JavaModifier.PUBLIC) || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static ArchCondition<JavaClass> showOnlyApiTypes() {
        return new ArchCondition<>("show no type of an internal package in a public or protected signature") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                final List<String> leaks = new ArrayList<>();
                type.getRawSuperclass().ifPresent(s -> leak(leaks, "extends", s));
                type.getRawInterfaces().forEach(i -> leak(leaks, "implements", i));
                for (JavaField field : type.getFields()) {
                    if (exposed(field.getModifiers())) {
                        involved(field.getType()).forEach(t -> leak(leaks, "field " + field.getName(), t));
                    }
                }
                for (JavaCodeUnit member : type.getCodeUnits()) {
                    if (!exposed(member.getModifiers()) || member.getModifiers().contains(JavaModifier.SYNTHETIC)) {
                        continue;
                    }
                    final String name = member.getName() + "(..)";
                    involved(member.getReturnType()).forEach(t -> leak(leaks, name + " returns", t));
                    member.getParameterTypes().forEach(p -> involved(p).forEach(t -> leak(leaks, name + " takes", t)));
                    member.getThrowsClause().getTypes().forEach(t -> leak(leaks, name + " throws", t));
                }
                for (String leak : leaks) {
                    events.add(SimpleConditionEvent.violated(type, type.getName() + ": " + leak));
                }
            }
        };
    }

    private static boolean exposed(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    private static Set<JavaClass> involved(JavaType type) {
        return type.getAllInvolvedRawTypes();
    }

    private static void leak(List<String> leaks, String where, JavaClass type) {
        if (type.getPackageName().startsWith("io.mesh4j.")
                && type.getPackageName().contains(".internal")) {
            leaks.add(where + " " + type.getName());
        }
    }
}
