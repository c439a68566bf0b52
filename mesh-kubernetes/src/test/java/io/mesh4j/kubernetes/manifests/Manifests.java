package io.mesh4j.kubernetes.manifests;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Loads the Kustomize directories under {@code deploy/kubernetes} into fabric8's typed model, refusing what the model
 * does not know.
 *
 * <p>fabric8 never fails on an unknown field: it keeps it in the object's {@code additionalProperties}, and an
 * unknown kind becomes a {@link GenericKubernetesResource}. So a misspelt {@code readOnlyRootFileSystem} would load,
 * be sent, and be dropped by a real API server without a word. Here either is a failure naming the file, the object
 * and the field's path.
 *
 * <p>The directories use no Kustomize transformers or patches (a kustomization lists {@code resources} only, which
 * {@link #load} checks), so the objects of a directory are the union of its files and those of the directories it
 * lists: what {@code kubectl kustomize} renders, without needing kubectl.
 */
final class Manifests {

    /** Where the manifests are, from the module's directory (surefire's working directory). */
    static final Path ROOT = Path.of("..", "deploy", "kubernetes");

    private static final Set<String> KUSTOMIZATION_KEYS = Set.of("apiVersion", "kind", "resources");

    private Manifests() {}

    /** The objects of one Kustomize directory, in the order its resources list them, keyed by where they came from. */
    static Map<String, HasMetadata> load(Path directory) throws IOException {
        final Map<String, HasMetadata> objects = new LinkedHashMap<>();
        final Path kustomizationFile = directory.resolve("kustomization.yaml");
        final Map<String, Object> kustomization = Serialization.unmarshal(
                Files.readString(kustomizationFile, StandardCharsets.UTF_8),
                new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        final Set<String> unexpected = new TreeSet<>(kustomization.keySet());
        unexpected.removeAll(KUSTOMIZATION_KEYS);
        if (!unexpected.isEmpty()) {
            throw new AssertionError(kustomizationFile + " uses " + unexpected
                    + ": this test reads resources only (teach Manifests the rest, or keep to whole objects)");
        }
        final Set<String> listed = new TreeSet<>();
        for (Object resource : (List<?>) kustomization.get("resources")) {
            final Path path = directory.resolve(resource.toString()).normalize();
            if (Files.isDirectory(path)) {
                objects.putAll(load(path));
            } else {
                listed.add(path.getFileName().toString());
                objects.putAll(loadFile(path));
            }
        }
        try (Stream<Path> files = Files.list(directory)) {
            files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                    .filter(name -> !listed.contains(name))
                    .findFirst()
                    .ifPresent(name -> {
                        throw new AssertionError(directory.resolve(name) + " is in no kustomization's resources");
                    });
        }
        return objects;
    }

    /** The objects of one YAML file of one or more documents, each checked by {@link #strict}. */
    static Map<String, HasMetadata> loadFile(Path file) throws IOException {
        final Map<String, HasMetadata> objects = new LinkedHashMap<>();
        int index = 0;
        for (String document : Files.readString(file, StandardCharsets.UTF_8).split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("#"))) {
                continue;
            }
            final String where = file.getFileName() + "#" + index++;
            final Object object = Serialization.unmarshal(document);
            objects.put(where, strict(where, object));
        }
        return objects;
    }

    /** {@code object} as a typed Kubernetes object, or an AssertionError naming every field the model did not take. */
    static HasMetadata strict(String where, Object object) {
        if (!(object instanceof HasMetadata) || object instanceof GenericKubernetesResource) {
            throw new AssertionError(where + ": not a kind fabric8's model knows: " + Serialization.asJson(object));
        }
        final List<String> unknown = new ArrayList<>();
        unknownFields(object, ((HasMetadata) object).getKind(), unknown);
        if (!unknown.isEmpty()) {
            throw new AssertionError(where + ": fields the Kubernetes model does not have: " + unknown);
        }
        return (HasMetadata) object;
    }

    private static void unknownFields(Object value, String path, List<String> unknown) {
        if (value instanceof Collection) {
            int i = 0;
            for (Object element : (Collection<?>) value) {
                unknownFields(element, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (value instanceof Map) {
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) {
            return; // a String, number, boolean: a leaf
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class
                    || !getter.getName().startsWith("get")) {
                continue;
            }
            final Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(path + "." + getter.getName(), e);
            }
            if (field == null) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                for (Object name : ((Map<?, ?>) field).keySet()) {
                    unknown.add(path + "." + name);
                }
            } else {
                unknownFields(field, path + "." + decapitalize(getter.getName().substring(3)), unknown);
            }
        }
    }

    private static String decapitalize(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
