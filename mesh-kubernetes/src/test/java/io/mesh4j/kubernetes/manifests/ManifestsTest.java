package io.mesh4j.kubernetes.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mesh4j.kubernetes.discovery.MockApiServer;
import io.mesh4j.registry.MeshRegistry;

/**
 * Every manifest under {@code deploy/kubernetes} loaded into fabric8's typed model with unknown fields refused
 * ({@link Manifests}), applied to fabric8's mock API server in CRUD mode (real HTTP, in a JVM of its own), read back
 * from it, and checked for what the README's "Run on Kubernetes" promises. The mock stores and serves what it is
 * sent; it runs no admission, no scheduler and no kubelet, so nothing here starts a pod: that needs a real cluster.
 */
class ManifestsTest {

    private static final String REGISTRY_IMAGE = "mesh4j/mesh-registry:";
    private static final String TOKEN_FILE_ENV = "MESH_SERVICE_ACCOUNT_TOKEN_FILE";

    private static MockApiServer api;
    private static KubernetesClient kubernetes;

    @BeforeAll
    static void startApiServer() throws IOException {
        api = MockApiServer.start();
        kubernetes = api.newClient();
    }

    @AfterAll
    static void stopApiServer() throws Exception {
        kubernetes.close();
        api.close();
    }

    /** Every directory with a kustomization, each a thing a user applies (or, for base, that the others include). */
    private static List<Path> kustomizations() throws IOException {
        try (Stream<Path> dirs = Files.list(Manifests.ROOT)) {
            final List<Path> found = dirs.filter(dir -> Files.exists(dir.resolve("kustomization.yaml")))
                    .sorted()
                    .collect(Collectors.toList());
            assertThat(found)
                    .extracting(dir -> dir.getFileName().toString())
                    .containsExactlyInAnyOrder("base", "registry-file", "registry-etcd", "sample-app");
            return found;
        }
    }

    /** The objects of one directory as the API server has them after applying them. */
    private static Map<String, HasMetadata> applied(String directory) throws IOException {
        final Map<String, HasMetadata> readBack = new HashMap<>();
        for (Map.Entry<String, HasMetadata> entry :
                Manifests.load(Manifests.ROOT.resolve(directory)).entrySet()) {
            final HasMetadata sent = entry.getValue();
            kubernetes.resource(sent).createOr(NonDeletingOperation::update);
            final HasMetadata stored = kubernetes.resource(sent).get();
            assertThat(stored)
                    .as("%s read back from the API server", entry.getKey())
                    .isNotNull();
            assertThat(withoutServerFields(stored))
                    .as("%s as the API server stores it", entry.getKey())
                    .isEqualTo(withoutServerFields(sent));
            readBack.put(sent.getKind() + "/" + sent.getMetadata().getName(), stored);
        }
        return readBack;
    }

    /** The object as JSON without what the API server adds (resourceVersion, uid, creation time, status). */
    private static String withoutServerFields(HasMetadata object) {
        final HasMetadata copy = Serialization.clone(object);
        copy.getMetadata().setResourceVersion(null);
        copy.getMetadata().setUid(null);
        copy.getMetadata().setCreationTimestamp(null);
        copy.getMetadata().setGeneration(null);
        copy.getMetadata().setManagedFields(null);
        final Map<String, Object> tree = Serialization.unmarshal(
                Serialization.asJson(copy), new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        tree.remove("status");
        return Serialization.asJson(tree);
    }

    @Test
    void everyManifestLoadsIntoTheTypedModelAndTheApiServerStoresItAsWritten() throws IOException {
        int objects = 0;
        for (Path directory : kustomizations()) {
            objects += applied(directory.getFileName().toString()).size();
        }
        assertThat(objects).isGreaterThanOrEqualTo(20);
    }

    @Test
    void aFieldTheModelDoesNotKnowIsRefusedWithItsPath() throws IOException {
        final Path misspelt = Files.createTempFile("manifest-", ".yaml");
        try {
            final String deployment = Files.readString(
                            Manifests.ROOT.resolve("sample-app/inventory-deployment.yaml"), StandardCharsets.UTF_8)
                    .replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true");
            Files.writeString(misspelt, deployment, StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Manifests.loadFile(misspelt))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem");
            Files.writeString(misspelt, "apiVersion: mesh4j.io/v1\nkind: Mesh\nmetadata:\n  name: x\n");
            assertThatThrownBy(() -> Manifests.loadFile(misspelt))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("not a kind fabric8's model knows");
        } finally {
            Files.delete(misspelt);
        }
    }

    @Test
    void everyPodRunsAsNonRootOnAReadOnlyRootWithNoCapabilitiesAndBoundedMemory() throws IOException {
        final List<PodTemplateSpec> templates = new ArrayList<>();
        for (String directory : List.of("registry-file", "registry-etcd", "sample-app")) {
            for (HasMetadata object : applied(directory).values()) {
                if (object instanceof StatefulSet) {
                    templates.add(((StatefulSet) object).getSpec().getTemplate());
                } else if (object instanceof Deployment) {
                    templates.add(((Deployment) object).getSpec().getTemplate());
                }
            }
        }
        assertThat(templates).hasSize(3);
        for (PodTemplateSpec template : templates) {
            final PodSpec pod = template.getSpec();
            final String name = template.getMetadata().getLabels().get("app.kubernetes.io/name");
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser())
                    .as("%s: the image's user", name)
                    .isEqualTo(65532L);
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            for (Container container : pod.getContainers()) {
                assertThat(container.getSecurityContext().getReadOnlyRootFilesystem())
                        .as(name)
                        .isTrue();
                assertThat(container.getSecurityContext().getAllowPrivilegeEscalation())
                        .as(name)
                        .isFalse();
                assertThat(container.getSecurityContext().getCapabilities().getDrop())
                        .as(name)
                        .containsExactly("ALL");
                assertThat(container.getSecurityContext().getCapabilities().getAdd())
                        .as(name)
                        .isNullOrEmpty();
                assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits()).containsKey("memory");
                assertThat(container.getReadinessProbe()).as(name).isNotNull();
                assertThat(container.getLivenessProbe()).as(name).isNotNull();
                // On a read-only root the JVM and Netty still need a /tmp.
                assertThat(container.getVolumeMounts())
                        .extracting(VolumeMount::getMountPath)
                        .as(name)
                        .contains("/tmp");
                final List<String> volumes = new ArrayList<>();
                pod.getVolumes().forEach(volume -> volumes.add(volume.getName()));
                for (VolumeMount mount : container.getVolumeMounts()) {
                    if (!mount.getName().equals("data") || volumes.contains("data")) {
                        assertThat(volumes)
                                .as("%s mounts a volume it declares", name)
                                .contains(mount.getName());
                    }
                }
            }
        }
    }

    @Test
    void theRegistryIsProbedOnAHealthPathTheRegistryServes() throws Exception {
        final List<Container> registries = new ArrayList<>();
        applied("registry-file").values().stream()
                .filter(StatefulSet.class::isInstance)
                .map(set -> ((StatefulSet) set).getSpec().getTemplate().getSpec())
                .forEach(pod -> registries.addAll(pod.getContainers()));
        applied("registry-etcd").values().stream()
                .filter(Deployment.class::isInstance)
                .map(deployment ->
                        ((Deployment) deployment).getSpec().getTemplate().getSpec())
                .forEach(pod -> registries.addAll(pod.getContainers()));
        assertThat(registries).hasSize(2);

        final Path dataDir = Files.createTempDirectory("mesh4j-registry-");
        final MeshRegistry registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build();
        registry.start().join();
        try {
            final HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            for (Container container : registries) {
                assertThat(container.getImage()).startsWith(REGISTRY_IMAGE);
                for (HTTPGetAction probe : List.of(
                        container.getReadinessProbe().getHttpGet(),
                        container.getLivenessProbe().getHttpGet())) {
                    // The registry serves TLS in the manifests; the path is the same in plaintext.
                    assertThat(probe.getScheme()).isEqualTo("HTTPS");
                    final HttpResponse<String> answer = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registry.port() + probe.getPath()))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode())
                            .as("the registry's answer to the probe's %s", probe.getPath())
                            .isEqualTo(200);
                    final ContainerPort port =
                            namedPort(container, probe.getPort().getStrVal());
                    assertThat(port.getContainerPort()).isEqualTo(MeshRegistry.DEFAULT_PORT);
                    assertThat(container.getArgs()).contains("--port=" + port.getContainerPort());
                }
                assertThat(container.getArgs()).contains("--kubernetes-token-review", "--kubernetes-namespaces=shop");
                final String dataDirArg = argument(container, "--data-dir=");
                assertThat(container.getVolumeMounts())
                        .filteredOn(mount -> mount.getName().equals("data"))
                        .extracting(VolumeMount::getMountPath)
                        .containsExactly(dataDirArg);
                final String caMount = container.getVolumeMounts().stream()
                        .filter(mount -> mount.getName().equals("ca"))
                        .findFirst()
                        .orElseThrow()
                        .getMountPath();
                assertThat(argument(container, "--ca-cert=")).isEqualTo(caMount + "/ca.crt");
                assertThat(argument(container, "--ca-key=")).isEqualTo(caMount + "/ca.key");
                assertThat(container.getArgs()).contains("--tls-name=mesh-registry.mesh4j.svc");
            }
        } finally {
            registry.close();
        }
    }

    @Test
    void theFileStoreIsOneReplicaOnAVolumeClaimAndTheEtcdStoreSeveralOnEtcd() throws IOException {
        final StatefulSet fileStore = (StatefulSet) applied("registry-file").get("StatefulSet/mesh-registry");
        assertThat(fileStore.getSpec().getReplicas()).isEqualTo(1);
        assertThat(fileStore.getSpec().getVolumeClaimTemplates()).hasSize(1);
        assertThat(fileStore
                        .getSpec()
                        .getVolumeClaimTemplates()
                        .get(0)
                        .getMetadata()
                        .getName())
                .isEqualTo("data");
        assertThat(fileStore
                        .getSpec()
                        .getVolumeClaimTemplates()
                        .get(0)
                        .getSpec()
                        .getAccessModes())
                .containsExactly("ReadWriteOnce");
        assertThat(fileStore
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getArgs())
                .noneMatch(arg -> arg.startsWith("--etcd"));

        final Deployment etcdStore = (Deployment) applied("registry-etcd").get("Deployment/mesh-registry");
        assertThat(etcdStore.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(argument(
                        etcdStore
                                .getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0),
                        "--etcd="))
                .startsWith("http://");

        for (PodSpec pod : List.of(
                fileStore.getSpec().getTemplate().getSpec(),
                etcdStore.getSpec().getTemplate().getSpec())) {
            final Volume ca = pod.getVolumes().stream()
                    .filter(volume -> volume.getName().equals("ca"))
                    .findFirst()
                    .orElseThrow();
            assertThat(ca.getSecret().getSecretName()).isEqualTo("mesh-registry-ca");
            // The CA key readable by the pod's group (fsGroup) only: 0440, however YAML wrote it.
            assertThat(ca.getSecret().getDefaultMode()).isEqualTo(0440);
            assertThat(pod.getServiceAccountName()).isEqualTo("mesh-registry");
        }
        // The StatefulSet's governing Service exists.
        assertThat(applied("registry-file"))
                .containsKey("Service/" + fileStore.getSpec().getServiceName());
    }

    @Test
    void rbacGrantsTokenReviewsToTheRegistryAndEndpointSliceReadsToTheAppAndNothingElse() throws IOException {
        final Map<String, HasMetadata> all = new HashMap<>();
        for (Path directory : kustomizations()) {
            all.putAll(applied(directory.getFileName().toString()));
        }
        final List<HasMetadata> roles = all.values().stream()
                .filter(object -> object instanceof Role || object instanceof ClusterRole)
                .collect(Collectors.toList());
        assertThat(roles)
                .extracting(role -> role.getKind() + "/" + role.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "ClusterRole/mesh4j-registry-token-review", "Role/mesh4j-endpointslice-reader");

        final ClusterRole tokenReview = (ClusterRole) all.get("ClusterRole/mesh4j-registry-token-review");
        assertThat(tokenReview.getRules()).hasSize(1);
        assertRule(tokenReview.getRules().get(0), "authentication.k8s.io", "tokenreviews", List.of("create"));
        final ClusterRoleBinding registryBinding =
                (ClusterRoleBinding) all.get("ClusterRoleBinding/mesh4j-registry-token-review");
        assertThat(registryBinding.getRoleRef().getName()).isEqualTo("mesh4j-registry-token-review");
        assertThat(registryBinding.getSubjects())
                .extracting(Subject::getKind, Subject::getNamespace, Subject::getName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ServiceAccount", "mesh4j", "mesh-registry"));

        final Role endpointSlices = (Role) all.get("Role/mesh4j-endpointslice-reader");
        assertThat(endpointSlices.getRules()).hasSize(1);
        assertRule(
                endpointSlices.getRules().get(0),
                "discovery.k8s.io",
                "endpointslices",
                List.of("get", "list", "watch"));
        final RoleBinding appBinding = (RoleBinding) all.get("RoleBinding/inventory-endpointslice-reader");
        assertThat(appBinding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(appBinding.getRoleRef().getName()).isEqualTo("mesh4j-endpointslice-reader");
        assertThat(appBinding.getSubjects())
                .extracting(Subject::getKind, Subject::getNamespace, Subject::getName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ServiceAccount", "shop", "inventory"));
    }

    @Test
    void aDisruptionBudgetAndTheServiceCoverTheRegistryPodsOfEitherStore() throws IOException {
        for (String directory : List.of("registry-file", "registry-etcd")) {
            final Map<String, HasMetadata> objects = applied(directory);
            final PodTemplateSpec template = objects.values().stream()
                    .map(object -> object instanceof StatefulSet
                            ? ((StatefulSet) object).getSpec().getTemplate()
                            : object instanceof Deployment
                                    ? ((Deployment) object).getSpec().getTemplate()
                                    : null)
                    .filter(java.util.Objects::nonNull)
                    .findFirst()
                    .orElseThrow();
            final Map<String, String> podLabels = template.getMetadata().getLabels();

            final PodDisruptionBudget budget = (PodDisruptionBudget) objects.get("PodDisruptionBudget/mesh-registry");
            assertThat(budget).as(directory).isNotNull();
            assertThat(podLabels)
                    .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
            assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
            assertThat(budget.getSpec().getMinAvailable()).isNull();

            final Service service = (Service) objects.get("Service/mesh-registry");
            assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
            for (var port : service.getSpec().getPorts()) {
                namedPort(
                        template.getSpec().getContainers().get(0),
                        port.getTargetPort().getStrVal());
            }
        }
    }

    @Test
    void theSampleAppProvesItselfWithAProjectedTokenForAudienceMesh4j() throws IOException {
        final Map<String, HasMetadata> objects = applied("sample-app");
        final Deployment app = (Deployment) objects.get("Deployment/inventory");
        final PodSpec pod = app.getSpec().getTemplate().getSpec();
        final Container container = pod.getContainers().get(0);

        final Volume tokenVolume = pod.getVolumes().stream()
                .filter(volume -> volume.getProjected() != null)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no projected volume"));
        final List<ServiceAccountTokenProjection> tokens = tokenVolume.getProjected().getSources().stream()
                .map(VolumeProjection::getServiceAccountToken)
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toList());
        assertThat(tokens).hasSize(1);
        assertThat(tokens.get(0).getAudience()).isEqualTo("mesh4j");
        assertThat(tokens.get(0).getExpirationSeconds()).isBetween(600L, 86_400L);

        final VolumeMount mount = container.getVolumeMounts().stream()
                .filter(candidate -> candidate.getName().equals(tokenVolume.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        final String tokenFile = mount.getMountPath() + "/" + tokens.get(0).getPath();
        assertThat(tokenFile).isEqualTo("/var/run/secrets/mesh4j/token");
        assertThat(container.getEnv())
                .filteredOn(env -> env.getName().equals(TOKEN_FILE_ENV))
                .extracting(EnvVar::getValue)
                .containsExactly(tokenFile);

        // The registry's default rule: the service account's name is the mesh service's.
        final String service = argument(container, "--service=");
        assertThat(pod.getServiceAccountName()).isEqualTo(service);
        assertThat(objects).containsKey("ServiceAccount/" + service);
        assertThat(argument(container, "--registry=")).isEqualTo("https://mesh-registry.mesh4j.svc:7070");
        assertThat(container.getArgs()).contains("--advertised-host=$(POD_IP)");

        final Service kubernetesService = (Service) objects.get("Service/inventory");
        assertThat(app.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(kubernetesService.getSpec().getSelector());
        namedPort(
                container,
                kubernetesService.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        assertThat(argument(container, "--port="))
                .isEqualTo(String.valueOf(namedPort(container, "grpc").getContainerPort()));
    }

    /**
     * What {@code kubectl kustomize} renders is what {@link Manifests} loads, object for object: the test's reading
     * of the directories is Kustomize's. Runs where kubectl is installed (it renders offline); skipped elsewhere.
     */
    @Test
    void kubectlKustomizeRendersTheSameObjects() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        for (Path directory : kustomizations()) {
            final Process process = new ProcessBuilder("kubectl", "kustomize", directory.toString())
                    .redirectErrorStream(true)
                    .start();
            final String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail("kubectl kustomize " + directory + " failed: " + rendered);
            }
            final Path file = Files.createTempFile("rendered-", ".yaml");
            try {
                Files.writeString(file, rendered, StandardCharsets.UTF_8);
                final Map<String, String> byKustomize = new HashMap<>();
                Manifests.loadFile(file).values().forEach(object -> byKustomize.put(key(object), json(object)));
                final Map<String, String> byTest = new HashMap<>();
                Manifests.load(directory).values().forEach(object -> byTest.put(key(object), json(object)));
                assertThat(byTest).as(directory.toString()).isEqualTo(byKustomize);
            } finally {
                Files.delete(file);
            }
        }
    }

    private static String key(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getNamespace() + "/"
                + object.getMetadata().getName();
    }

    private static String json(HasMetadata object) {
        final Map<String, Object> tree = Serialization.unmarshal(
                Serialization.asJson(object), new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        return new java.util.TreeMap<>(tree).toString();
    }

    private static boolean onPath(String program) {
        final String path = System.getenv("PATH");
        return path != null
                && Stream.of(path.split(java.io.File.pathSeparator))
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private static void assertRule(PolicyRule rule, String apiGroup, String resource, List<String> verbs) {
        assertThat(rule.getApiGroups()).containsExactly(apiGroup);
        assertThat(rule.getResources()).containsExactly(resource);
        assertThat(rule.getVerbs()).containsExactlyInAnyOrderElementsOf(verbs);
        assertThat(rule.getResourceNames()).isNullOrEmpty();
        assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
    }

    private static ContainerPort namedPort(Container container, String name) {
        return container.getPorts().stream()
                .filter(port -> name.equals(port.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + name));
    }

    private static String argument(Container container, String prefix) {
        return container.getArgs().stream()
                .filter(arg -> arg.startsWith(prefix))
                .map(arg -> arg.substring(prefix.length()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + prefix + "... argument"));
    }
}
