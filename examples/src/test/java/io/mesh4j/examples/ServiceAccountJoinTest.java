package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.testing.junit5.server.SelfSignedCertificateExtension;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.ServiceMain;
import io.mesh4j.registry.KubernetesTokenReview;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * Pods that join with their Kubernetes service-account token instead of a join token, against a real TLS registry
 * that reviews the tokens with a {@link TokenReviewApi} (HTTPS, the API server's wire format and RBAC answer), and
 * real mesh servers and clients: what joins, as which service, what is refused with which answer, and that the
 * identities so issued call each other over mTLS.
 */
class ServiceAccountJoinTest {

    private static final String REGISTRY_CREDENTIAL = "registry-sa-token";

    @RegisterExtension
    static final SelfSignedCertificateExtension apiServerCertificate = new SelfSignedCertificateExtension("localhost");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TokenReviewApi api;
    private MeshRegistry registry;

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Starts the API server, then a registry reviewing tokens with it by {@code rule}. */
    private void startWith(UnaryOperator<KubernetesTokenReview.Builder> rule) throws Exception {
        final Path credentials = dir.resolve("registry-credentials");
        Files.writeString(credentials, REGISTRY_CREDENTIAL + "\n");
        api = close(TokenReviewApi.start(
                apiServerCertificate.certificateFile(), apiServerCertificate.privateKeyFile(), REGISTRY_CREDENTIAL));
        registry = close(MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .kubernetesTokenReview(rule.apply(KubernetesTokenReview.builder(api.uri())
                                .caFile(apiServerCertificate.certificateFile().toPath())
                                .credentialsFile(credentials))
                        .build())
                .build()
                .start()
                .join());
    }

    private <T extends AutoCloseable> T close(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    /** The identity of a pod of {@code service} whose projected token volume holds {@code token}. */
    private WorkloadIdentity pod(String service, String token) throws Exception {
        final Path tokenFile = Files.createTempFile(dir, "token", "");
        Files.writeString(tokenFile, token + "\n", StandardCharsets.US_ASCII);
        return close(WorkloadIdentity.builder(registry.uri(), service)
                .serviceAccountTokenFile(tokenFile)
                .trustBundle(registry.trustBundlePem())
                .build());
    }

    /** What the registry answers a certificate request for {@code service} made with {@code serviceAccountToken}. */
    private RegistryException refusal(String service, String serviceAccountToken) {
        final RegistryClient client = RegistryAccess.ADMIN_CLIENT.get(registry);
        final String csr = CertificateRequests.create(
                KeyPairs.newP256(), SpiffeId.ofService(registry.trustDomain(), ServiceName.of(service)));
        final CompletionException thrown = (CompletionException) catchThrowable(
                () -> client.requestCertificate(new IdentityJson.CsrRequest(csr, null, serviceAccountToken))
                        .join());
        assertThat(thrown).as("a refusal").isNotNull();
        assertThat(thrown.getCause()).isInstanceOf(RegistryException.class);
        return (RegistryException) thrown.getCause();
    }

    @Test
    void podsJoinWithTheirServiceAccountTokensAndCallEachOtherOverMutualTls() throws Exception {
        startWith(rule -> rule.namespaces("shop"));
        api.serviceAccount("orders-pod-1", "shop", "orders");
        api.serviceAccount("frontend-pod-1", "shop", "frontend");

        final WorkloadIdentity orders = pod("orders", "orders-pod-1").start().join();
        assertThat(orders.id().toString()).isEqualTo("spiffe://mesh.local/svc/orders");
        final MeshServer server = close(MeshServer.builder("orders", registry.uri())
                .identity(orders)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service(
                        "/who",
                        (ctx, req) ->
                                HttpResponse.of(String.valueOf(MeshIdentity.peer(ServiceRequestContext.current()))))
                .build());
        server.start().join();

        final WorkloadIdentity frontend =
                pod("frontend", "frontend-pod-1").start().join();
        final MeshClient client =
                close(MeshClient.builder(registry.uri()).identity(frontend).build());
        final WebClient ordersClient = client.webClient(ServiceName.of("orders"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !client.endpoints(ServiceName.of("orders")).isEmpty());
        // The server knows its caller by the certificate the service-account token got it.
        assertThat(ordersClient.get("/who").aggregate().join().contentUtf8())
                .isEqualTo("spiffe://mesh.local/svc/frontend");

        // Nothing was spent: a second pod of the deployment joins with the same account (its own token, here the
        // same), as a rescheduled pod does.
        assertThat(pod("orders", "orders-pod-1").start().join().id()).isEqualTo(orders.id());
    }

    @Test
    void theExampleServiceJoinsWithTheTokenFileItsPodSpecGivesIt() throws Exception {
        // As deploy/kubernetes/sample-app runs it: no join token, the projected token's file instead (there through
        // MESH_SERVICE_ACCOUNT_TOKEN_FILE, the flag's default).
        startWith(rule -> rule.namespaces("shop"));
        api.serviceAccount("inventory-pod-token", "shop", "inventory");
        final Path token = Files.writeString(dir.resolve("inventory.token"), "inventory-pod-token");
        final Path bundle = Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem());
        try (ChildJvm inventory = ChildJvm.start(
                ServiceMain.class.getName(),
                List.of(
                        "--service",
                        "inventory",
                        "--instance-id",
                        "inventory-pod-1",
                        "--registry",
                        registry.uri().toString(),
                        "--service-account-token-file",
                        token.toString(),
                        "--trust-bundle",
                        bundle.toString()),
                Pattern.compile("serving on port (\\d+)"),
                dir.resolve("inventory.log"),
                Duration.ofSeconds(60))) {
            api.serviceAccount("frontend-pod", "shop", "frontend");
            final MeshClient client = close(MeshClient.builder(registry.uri())
                    .identity(pod("frontend", "frontend-pod"))
                    .build());
            client.webClient(ServiceName.of("inventory"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.endpoints(ServiceName.of("inventory")).size() == 1);
        }
    }

    @Test
    void aServiceAccountNamedOtherwiseJoinsAsTheServiceItIsMappedTo() throws Exception {
        startWith(rule -> rule.serviceAccount("payments-ns", "payments-v2", "payments"));
        api.serviceAccount("payments-pod", "payments-ns", "payments-v2");

        assertThat(pod("payments", "payments-pod").start().join().id().toString())
                .isEqualTo("spiffe://mesh.local/svc/payments");
        // Mapped to payments, it gets nothing else, even for the service of its own name.
        final RegistryException other = refusal("payments-v2", "payments-pod");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.getMessage())
                .contains("service account payments-ns/payments-v2 joins as service payments")
                .contains("cannot get a certificate for payments-v2");
    }

    @Test
    void tokensTheApiServerDoesNotVouchForOrTheRuleDoesNotAdmitGetNothing() throws Exception {
        startWith(rule -> rule.namespaces("shop"));
        api.serviceAccount("intruder", "kube-system", "orders");
        api.serviceAccount("orders-pod", "shop", "orders");
        api.authenticatedFor("kubectl-token", "system:serviceaccount:shop:orders", "https://kubernetes.default.svc");
        api.authenticatedFor("alice-token", "alice", TokenReviewApi.AUDIENCE);

        final RegistryException forged = refusal("orders", "not-a-token");
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.getMessage())
                .contains("the Kubernetes API server does not accept the service-account token")
                .contains("token lookup failed")
                .contains("audience mesh4j");

        final RegistryException otherAudience = refusal("orders", "kubectl-token");
        assertThat(otherAudience.status()).isEqualTo(401);
        assertThat(otherAudience.getMessage()).contains("is invalid for the target audiences");

        final RegistryException otherNamespace = refusal("orders", "intruder");
        assertThat(otherNamespace.status()).isEqualTo(403);
        assertThat(otherNamespace.getMessage())
                .contains("service account kube-system/orders may not join this mesh")
                .contains("--kubernetes-namespaces kube-system");

        final RegistryException notAnAccount = refusal("orders", "alice-token");
        assertThat(notAnAccount.status()).isEqualTo(403);
        assertThat(notAnAccount.getMessage()).contains("alice, not a service account's");

        final RegistryException otherService = refusal("payments", "orders-pod");
        assertThat(otherService.status()).isEqualTo(403);
        assertThat(otherService.getMessage()).contains("joins as service orders");

        // A workload refused stops trying at once, with the registry's reason.
        assertThatThrownBy(() -> pod("orders", "intruder").start().join())
                .hasRootCauseInstanceOf(RegistryException.class)
                .hasMessageContaining("may not join this mesh");
    }

    @Test
    void aRegistryTheApiServerRefusesAnswers503AndPodsJoinOnceTheOperatorGrantsIt() throws Exception {
        startWith(rule -> rule.namespaces("shop"));
        api.serviceAccount("orders-pod", "shop", "orders");
        // The registry's service account lost (or never had) create on tokenreviews.
        api.acceptRegistryCredential("another-credential");

        final RegistryException unavailable = refusal("orders", "orders-pod");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.getMessage())
                .contains("refuses the registry's token review (HTTP 403")
                .contains("cannot create resource")
                .contains("needs create on tokenreviews.authentication.k8s.io");

        // A pod starting now keeps trying rather than failing: the fault is the registry's, not its own.
        final int before = api.calls();
        final CompletableFuture<WorkloadIdentity> joining =
                pod("orders", "orders-pod").start();
        await().atMost(Duration.ofSeconds(10)).until(() -> api.calls() >= before + 2);
        assertThat(joining).as("after a second try").isNotDone();

        api.acceptRegistryCredential(REGISTRY_CREDENTIAL);
        assertThat(joining.get(20, TimeUnit.SECONDS).id().toString()).isEqualTo("spiffe://mesh.local/svc/orders");
    }

    @Test
    void aRegistryThatTakesNoServiceAccountTokensSaysHowToJoin() throws Exception {
        registry = close(MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join());
        final RegistryException refused = refusal("orders", "orders-pod");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.getMessage())
                .contains("does not take Kubernetes service-account tokens")
                .contains("--kubernetes-token-review")
                .contains("meshctl token create");
    }
}
