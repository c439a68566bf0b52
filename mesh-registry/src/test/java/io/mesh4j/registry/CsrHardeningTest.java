package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.RSAPrivateKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * The certificate-signing endpoint against a real TLS registry on loopback: who asks is known before what is asked
 * is read, bodies and keys are bounded, one address cannot flood it, and a join token's use is spent only for a
 * certificate issued, once (issue 16).
 */
class CsrHardeningTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final String ORDERS_ID = "spiffe://mesh.local/svc/orders";

    @TempDir
    Path dataDir;

    private final FakeTicker ticker = new FakeTicker();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private RegistryClient admin;
    private WebClient http;

    private void start(MeshRegistry.Builder builder) {
        registry = builder.host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .ticker(ticker)
                .build()
                .start()
                .join();
        toClose.add(registry);
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        // The test checks what the registry answers, not who it is: no client certificate, no verification.
        final ClientFactory factory = ClientFactory.builder().tlsNoVerify().build();
        toClose.add(factory);
        http = WebClient.builder(registry.uri()).factory(factory).build();
    }

    private void start() {
        start(MeshRegistry.builder());
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private CompletableFuture<AggregatedHttpResponse> post(byte[] body) {
        return http.execute(
                        RequestHeaders.builder(HttpMethod.POST, "/v1/identity/csr")
                                .contentType(MediaType.JSON_UTF_8)
                                .build(),
                        body)
                .aggregate();
    }

    private AggregatedHttpResponse csr(String csr, String token) {
        return post(IdentityJson.writeCsrRequest(new IdentityJson.CsrRequest(csr, token)))
                .join();
    }

    private String token(int uses) {
        return admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), uses))
                .join()
                .token();
    }

    private int usesLeft() {
        return admin.tokens().join().get(0).usesLeft();
    }

    @Test
    void aCallerWithNeitherTokenNorCertificateIsRefusedBeforeItsBodyIsRead() throws Exception {
        start();

        final AggregatedHttpResponse garbage = post("\u0000\u00ffnot json at all {{{"
                        .getBytes(StandardCharsets.ISO_8859_1))
                .join();
        assertThat(garbage.status().code()).isEqualTo(401);
        assertThat(Http.error(garbage).error()).isEqualTo("unauthenticated");
        assertThat(Http.error(garbage).message()).contains("needs a join token");

        // A request that would be a 400 from someone known is a 401 from a stranger: the CSR is never parsed.
        final AggregatedHttpResponse badCsr = post("{\"csr\": \"not a csr\", \"unknown\": 1}"
                        .getBytes(StandardCharsets.UTF_8))
                .join();
        assertThat(badCsr.status().code()).isEqualTo(401);

        final AggregatedHttpResponse unknownToken = csr("not a csr", "0123abcd.not-a-secret");
        assertThat(unknownToken.status().code()).isEqualTo(401);
        assertThat(Http.error(unknownToken).error()).isEqualTo("invalid_token");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() {
        start();
        final String token = token(1);

        final AggregatedHttpResponse res = csr("x".repeat(9 * 1024), token);

        assertThat(res.status().code()).isEqualTo(413);
        assertThat(Http.error(res).error()).isEqualTo("body_too_large");
        assertThat(Http.error(res).message()).contains("at most 8 KiB");
        assertThat(usesLeft()).isEqualTo(1);
    }

    @Test
    void onlyTheKeysTheMeshUsesAreSignedAndARefusalNamesThem() throws Exception {
        start();
        final String token = token(10);
        final String allowed = "ECDSA P-256 or P-384, or RSA of 2048 to 4096 bits";

        for (KeyPair weakOrHuge : List.of(TestCsrs.rsa(1024), TestCsrs.ec("secp521r1"), hugeRsa(8192))) {
            final AggregatedHttpResponse res = csr(TestCsrs.csr(weakOrHuge, List.of(ORDERS_ID)), token);
            assertThat(res.status().code()).isEqualTo(400);
            assertThat(Http.error(res).error()).isEqualTo("invalid_csr");
            assertThat(Http.error(res).message()).contains("(expected: " + allowed + ')');
        }
        assertThat(usesLeft()).isEqualTo(10);

        for (KeyPair good : List.of(TestCsrs.ec("secp256r1"), TestCsrs.ec("secp384r1"), TestCsrs.rsa(2048))) {
            assertThat(csr(TestCsrs.csr(good, List.of(ORDERS_ID)), token)
                            .status()
                            .code())
                    .isEqualTo(200);
        }
        assertThat(usesLeft()).isEqualTo(7);
    }

    /**
     * An RSA key of {@code bits} made from a random odd modulus instead of two primes: it signs (badly) at once,
     * where making a real one of 8,192 bits takes a slow machine a minute. Its size is refused before its
     * signature is checked.
     */
    private static KeyPair hugeRsa(int bits) throws Exception {
        final BigInteger modulus =
                new BigInteger(bits, new SecureRandom()).setBit(bits - 1).setBit(0);
        final BigInteger exponent = BigInteger.valueOf(65_537);
        final KeyFactory factory = KeyFactory.getInstance("RSA");
        final PublicKey publicKey = factory.generatePublic(new RSAPublicKeySpec(modulus, exponent));
        final PrivateKey privateKey = factory.generatePrivate(new RSAPrivateKeySpec(modulus, exponent));
        return new KeyPair(publicKey, privateKey);
    }

    @Test
    void oneAddressIsLimitedWith429AndRetryAfterAndTheLimitRefills() {
        start(MeshRegistry.builder().csrRateLimit(1, 3));

        for (int i = 0; i < 3; i++) {
            assertThat(post(new byte[0]).join().status().code()).isEqualTo(401);
        }
        final AggregatedHttpResponse limited = post(new byte[0]).join();
        assertThat(limited.status().code()).isEqualTo(429);
        assertThat(limited.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
        assertThat(Http.error(limited).error()).isEqualTo("rate_limited");
        assertThat(Http.error(limited).message())
                .contains("too many certificate requests from 127.0.0.1")
                .contains("1 per second per address, 3 at once");

        ticker.advance(Duration.ofSeconds(1));
        assertThat(post(new byte[0]).join().status().code()).isEqualTo(401);
        assertThat(post(new byte[0]).join().status().code()).isEqualTo(429);

        // A good request is as limited as a bad one, and passes once the bucket refills.
        final String token = token(1);
        final String good = goodCsr();
        assertThat(csr(good, token).status().code()).isEqualTo(429);
        ticker.advance(Duration.ofSeconds(3));
        assertThat(csr(good, token).status().code()).isEqualTo(200);
    }

    @Test
    void aWorkloadLimitedForItsFirstCertificateTriesAgainAndGetsIt() {
        // The system's ticker: the bucket refills in real time, half a request a second.
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .csrRateLimit(0.5, 1)
                .build()
                .start()
                .join();
        toClose.add(registry);
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        final String token = token(1);
        final ClientFactory factory = ClientFactory.builder().tlsNoVerify().build();
        toClose.add(factory);
        http = WebClient.builder(registry.uri()).factory(factory).build();
        assertThat(post(new byte[0]).join().status().code()).isEqualTo(401);

        // Its first request comes while the address's bucket is empty: a 429, which is no refusal of the token.
        final WorkloadIdentity orders = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(orders);

        assertThat(orders.start().orTimeout(60, TimeUnit.SECONDS).join().id().toString())
                .isEqualTo(ORDERS_ID);
        assertThat(usesLeft()).isZero();
    }

    @Test
    void theDefaultLimitLetsFourHundredWorkloadsBehindOneAddressStartTogether() {
        start();

        // Refused for having no token, which costs the registry nothing: what is counted here is the limit alone.
        final List<CompletableFuture<AggregatedHttpResponse>> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(post(new byte[0]));
        }
        assertThat(all).allSatisfy(res -> assertThat(res.join().status().code()).isEqualTo(401));

        assertThat(post(new byte[0]).join().status().code()).isEqualTo(429);
        ticker.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 20; i++) {
            assertThat(post(new byte[0]).join().status().code()).isEqualTo(401);
        }
        assertThat(post(new byte[0]).join().status().code()).isEqualTo(429);
    }

    @Test
    void aSingleUseTokenSurvivesABadCsrAndIsSpentByAGoodOne() throws Exception {
        start();
        final String token = token(1);

        assertThat(csr("not a csr", token).status().code()).isEqualTo(400);
        assertThat(csr(TestCsrs.csr(TestCsrs.rsa(1024), List.of(ORDERS_ID)), token)
                        .status()
                        .code())
                .isEqualTo(400);
        assertThat(csr(TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of()), token)
                        .status()
                        .code())
                .isEqualTo(400);
        assertThat(usesLeft()).isEqualTo(1);

        assertThat(csr(goodCsr(), token).status().code()).isEqualTo(200);
        assertThat(usesLeft()).isZero();

        final AggregatedHttpResponse again = csr(goodCsr(), token);
        assertThat(again.status().code()).isEqualTo(401);
        assertThat(Http.error(again).message()).contains("is used up");
    }

    @Test
    void concurrentRequestsWithASingleUseTokenGetOneCertificateBetweenThem() throws Exception {
        start();
        final String token = token(1);
        final byte[] body = IdentityJson.writeCsrRequest(new IdentityJson.CsrRequest(goodCsr(), token));

        final int requests = 16;
        final List<CompletableFuture<AggregatedHttpResponse>> all = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            // Sent without waiting for one another, on one connection: the registry handles them side by side.
            all.add(post(body));
        }

        final List<Integer> statuses =
                all.stream().map(f -> f.join().status().code()).toList();
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
        assertThat(statuses).filteredOn(s -> s == 401).hasSize(requests - 1);
        assertThat(usesLeft()).isZero();
    }

    private static String goodCsr() {
        try {
            return TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of(ORDERS_ID));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
