package io.mesh4j.benchmarks.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The two applications the benchmark compares, written out and built as their team would build them: one Spring MVC
 * application with the actuator on {@code spring-boot-starter-parent} 4.0.7, once as it is ({@code plain}) and once
 * with {@code mesh-spring-boot-starter} added ({@code mesh}), the same code in both. Each is packaged by Spring Boot's
 * Maven plugin into a runnable jar with the project's Maven wrapper.
 *
 * <p>The starter comes from this build, as {@code SpringBootApplicationsTest} gets it: the mesh4j modules are
 * installed into a repository under the work directory (never into {@code ~/.m2}), which the applications' builds
 * read as a read-only tail of the machine's ({@code maven.repo.local.tail}). Each build runs offline first, and
 * online only when an artifact is missing.
 */
final class StartupApplications {

    /** The modules the starter needs, and their parent. */
    private static final String MODULES = ".,mesh-core,mesh-registry,mesh-client,mesh-server,mesh-spring-boot-starter";

    private static final String APPLICATION = """
            package com.example.startup;

            import org.springframework.boot.SpringApplication;
            import org.springframework.boot.autoconfigure.SpringBootApplication;
            import org.springframework.web.bind.annotation.GetMapping;
            import org.springframework.web.bind.annotation.RestController;

            @SpringBootApplication
            @RestController
            public class StartupApplication {

                public static void main(String[] args) {
                    SpringApplication.run(StartupApplication.class, args);
                }

                @GetMapping("/hello")
                String hello() {
                    return "hello";
                }
            }
            """;

    private static final String POM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0"
                     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                     xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
              <modelVersion>4.0.0</modelVersion>
              <parent>
                <groupId>org.springframework.boot</groupId>
                <artifactId>spring-boot-starter-parent</artifactId>
                <version>4.0.7</version>
                <relativePath/>
              </parent>
              <groupId>com.example</groupId>
              <artifactId>startup</artifactId>
              <version>1.0</version>
              <properties>
                <java.version>17</java.version>
              </properties>
              <dependencies>
            %s    <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-webmvc</artifactId>
                </dependency>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-actuator</artifactId>
                </dependency>
              </dependencies>
              <build>
                <plugins>
                  <plugin>
                    <groupId>org.springframework.boot</groupId>
                    <artifactId>spring-boot-maven-plugin</artifactId>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    private static final String STARTER = """
                <dependency>
                  <groupId>io.mesh4j</groupId>
                  <artifactId>mesh-spring-boot-starter</artifactId>
                  <version>0.1.0-SNAPSHOT</version>
                </dependency>
            """;

    private final Path project;
    private final Path work;
    private final Path machineRepository;

    StartupApplications(Path project, Path work) {
        this.project = project;
        this.work = work;
        machineRepository = Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** Installs this build's starter, with what it needs, into the work directory's repository. */
    void installStarter() {
        maven(
                project,
                work.resolve("install.log"),
                work.resolve("repository"),
                machineRepository,
                List.of(
                        "install",
                        "-pl",
                        MODULES,
                        "-Dmaven.test.skip=true",
                        "-Dmaven.javadoc.skip=true",
                        "-Dspotless.check.skip=true"));
    }

    /**
     * Writes the application, with the starter or without, and builds its runnable jar.
     *
     * @return the jar
     */
    Path build(boolean withStarter) {
        final Path app = work.resolve(withStarter ? "mesh" : "plain");
        try {
            deleteRecursively(app);
            final Path sources = app.resolve("src/main/java/com/example/startup");
            Files.createDirectories(sources);
            Files.writeString(sources.resolve("StartupApplication.java"), APPLICATION);
            Files.createDirectories(app.resolve("src/main/resources"));
            Files.writeString(
                    app.resolve("src/main/resources/application.properties"), "spring.application.name=startup\n");
            Files.writeString(app.resolve("pom.xml"), String.format(POM, withStarter ? STARTER : ""));
            Files.copy(project.resolve("mvnw"), app.resolve("mvnw"), StandardCopyOption.COPY_ATTRIBUTES);
            Files.createDirectories(app.resolve(".mvn/wrapper"));
            Files.copy(
                    project.resolve(".mvn/wrapper/maven-wrapper.properties"),
                    app.resolve(".mvn/wrapper/maven-wrapper.properties"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the application in " + app, e);
        }
        maven(
                app,
                app.resolve("build.log"),
                machineRepository,
                work.resolve("repository"),
                List.of("package", "-DskipTests"));
        final Path jar = app.resolve("target/startup-1.0.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the build in " + app + " made no " + jar + "; see its build.log");
        }
        return jar;
    }

    /**
     * Runs the Maven wrapper in {@code dir} with a local repository and a read-only tail to it: offline first,
     * online only if an artifact is missing from both.
     */
    private static void maven(Path dir, Path log, Path local, Path tail, List<String> goals) {
        final List<String> command = new ArrayList<>(List.of(
                dir.resolve("mvnw").toString(),
                "-B",
                "-ntp",
                "-Dmaven.repo.local=" + local,
                "-Dmaven.repo.local.tail=" + tail));
        command.addAll(goals);
        final List<String> offline = new ArrayList<>(command);
        offline.add(1, "-o");
        if (run(dir, log, offline) == 0) {
            return;
        }
        if (!read(log).contains("offline")) {
            throw new IllegalStateException("the build in " + dir + " failed; see " + log);
        }
        if (run(dir, log, command) != 0) {
            throw new IllegalStateException("the build in " + dir + " failed online too; see " + log);
        }
    }

    private static int run(Path dir, Path log, List<String> command) {
        try {
            final Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("the build in " + dir + " took over 10 minutes; see " + log);
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building in " + dir, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
