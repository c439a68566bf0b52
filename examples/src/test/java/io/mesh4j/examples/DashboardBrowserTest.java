package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;

/**
 * The registry's dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * bin/test installs), over the registry's TLS, with real members calling each other over mTLS and reporting: the
 * page shows the services and the edge between them, and a new caller with failing calls appears on the same page,
 * without a reload, from the Server-Sent Events stream; so do a call the access policy refuses, in the denials
 * panel, and a split applied with {@code meshctl routes apply}, in the service's routes.
 *
 * <p>Chromium does not trust the mesh's CA, which signed the registry's certificate: this test alone starts it with
 * {@code --ignore-certificate-errors}. An operator adds the CA's root ({@code GET /v1/identity/trust-bundle}) to the
 * browser's trust store instead.
 */
class DashboardBrowserTest {

    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @TempDir
    Path browserProfile;

    private MeshRegistry registry;
    private RegistryClient admin;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final List<MeshTelemetry> telemetries = new ArrayList<>();
    private final List<MeshClient> clients = new ArrayList<>();
    private MeshServer orders;
    private WebDriver browser;

    @BeforeEach
    void start() {
        assertThat(CHROMIUM)
                .as("Debian's chromium (bin/test installs it: apt-get install chromium chromium-driver)")
                .isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromium-driver").isExecutable();
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .zone("zone-a")
                .metadata("version", "v1")
                .telemetry(telemetry("orders"))
                .drainPeriod(Duration.ZERO)
                .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                .service("/broken", (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR))
                .build();
        orders.start().join();

        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + browserProfile,
                "--window-size=1280,1100",
                // The registry's certificate is signed by the mesh's own CA (see the class comment).
                "--ignore-certificate-errors");
        final ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(driver, options);
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin, registry.trustBundlePem(), service);
        identities.add(identity);
        return identity.start().join();
    }

    private MeshTelemetry telemetry(String service) {
        // Reports every 200 ms instead of every 10 s, so that the page has them soon.
        final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName(service)
                .reportInterval(Duration.ofMillis(200))
                .build());
        telemetries.add(telemetry);
        return telemetry;
    }

    private MeshClient client(String service) {
        final MeshClient client = MeshClient.builder(registry.uri())
                .identity(identity(service))
                .telemetry(telemetry(service))
                .build();
        clients.add(client);
        return client;
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        clients.forEach(MeshClient::close);
        if (orders != null) {
            orders.stop().join();
        }
        telemetries.forEach(MeshTelemetry::close);
        identities.forEach(WorkloadIdentity::close);
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void theDashboardShowsTheTopologyAndANewFailingEdgeAppearsWithoutAReload() throws IOException {
        final MeshClient frontend = client("frontend");
        for (int i = 0; i < 10; i++) {
            assertThat(status(frontend, "/orders/" + i)).isEqualTo(200);
        }

        // A wrong token: the stream answers 401, and the page asks for a token, saying why.
        browser.get(registry.uri() + "/dashboard#token=not-the-token");
        final WebElement login = waitFor(By.id("login"));
        waitUntil(() -> login.isDisplayed());
        assertThat(browser.findElement(By.id("login-error")).getText()).contains("401");
        assertThat(browser.getCurrentUrl())
                .as("the token leaves the address bar")
                .doesNotContain("token");

        // The admin token, typed into the form.
        browser.findElement(By.id("token")).sendKeys(adminToken());
        browser.findElement(By.cssSelector("#login button")).click();
        waitFor(By.cssSelector("#topology g.edge[data-edge='frontend->orders']"));
        assertThat(browser.findElement(By.cssSelector("#topology g.node[data-service='orders']"))
                        .getText())
                .contains("orders")
                .contains("1 instance");
        assertThat(browser.findElement(By.cssSelector("#topology g.node[data-service='frontend']"))
                        .getText())
                .contains("frontend");
        waitUntil(() -> edgeLabel("frontend->orders").contains("100.00%"));
        assertThat(edgeLabel("frontend->orders")).contains("rps").contains("p99");
        assertThat(browser.findElement(By.cssSelector("#services tr[data-service='orders']"))
                        .getText())
                .startsWith("orders 1 ");
        assertThat(browser.findElement(By.id("status")).getText()).startsWith("live");

        // A marker only this page load has: a reload would lose it.
        ((JavascriptExecutor) browser).executeScript("window.meshTestMarker = 'the same page';");

        // A new caller, some of whose calls fail: its edge appears, marked bad, on the page already open.
        final MeshClient billing = client("billing");
        for (int i = 0; i < 10; i++) {
            assertThat(status(billing, "/orders/" + i)).isEqualTo(200);
        }
        // One failing call, its retries included, after ten successes: the server sees at most 10 of 13 succeed, so
        // the edge is marked bad (under 95%), and the breaker (50% of at least 5, or 5 in a row) stays closed.
        assertThat(status(billing, "/broken")).isEqualTo(500);
        waitFor(By.cssSelector("#topology g.edge.bad[data-edge='billing->orders']"));
        waitUntil(() -> !edgeLabel("billing->orders").contains("100.00%"));
        assertThat(browser.findElement(By.cssSelector("#edges tr[data-edge='billing->orders']"))
                        .getText())
                .startsWith("billing orders ");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.meshTestMarker;"))
                .as("the page was not reloaded")
                .isEqualTo("the same page");

        screenshot("dashboard.png");
    }

    @Test
    void aDeniedCallAndASplitAppliedWithMeshctlShowWithoutAReload() throws IOException {
        final MeshClient frontend = client("frontend");
        final MeshClient billing = client("billing");
        for (int i = 0; i < 5; i++) {
            assertThat(status(frontend, "/orders/" + i)).isEqualTo(200);
            assertThat(status(billing, "/orders/" + i)).isEqualTo(200);
        }
        // The viewer token, as the demo prints the link.
        browser.get(registry.uri() + "/dashboard/#token=" + token("viewer.token"));
        waitFor(By.cssSelector("#topology g.edge[data-edge='billing->orders']"));
        final WebElement instance = waitFor(By.cssSelector("#service-orders-instances tr[data-instance]"));
        assertThat(instance.getText()).contains("zone-a", "version=v1", "TTL");
        waitUntil(() -> text("#service-orders-members").contains("expires in"));
        assertThat(text("#service-orders-routes")).contains("No route config");
        assertThat(text("#service-orders-policy")).contains("No access policy");
        assertThat(text("#denials-body")).contains("No call was refused");
        assertThat(text("#roots-body")).contains("in ").doesNotContain("expired");
        ((JavascriptExecutor) browser).executeScript("window.meshTestMarker = 'the same page';");

        // A policy that lets frontend alone call orders, applied with meshctl; billing's next call is refused.
        final Path policy =
                Files.writeString(dataDir.resolve("policy.json"), "{\"rules\": [{\"allowCallers\": [\"frontend\"]}]}");
        assertThat(meshctl("policies", "apply", "orders", "-f", policy.toString()))
                .isZero();
        waitUntil(() -> status(billing, "/orders/7") == 403);
        final WebElement denial = waitFor(By.cssSelector("#denials-body tr[data-denial='billing->orders']"));
        assertThat(denial.getText()).startsWith("billing orders /orders/:id ");
        assertThat(text("#service-orders-policy")).contains("frontend").doesNotContain("No access policy");

        // A 90/10 split applied with meshctl appears in orders' routes.
        final Path routes = Files.writeString(
                dataDir.resolve("routes.json"),
                "{\"rules\": [{\"name\": \"canary\", \"match\": {\"headers\": {\"x-canary\": \"yes-please\"}}, "
                        + "\"route\": [{\"weight\": 90, \"subset\": {\"version\": \"v1\"}}, "
                        + "{\"weight\": 10, \"subset\": {\"version\": \"v2\"}}]}]}");
        assertThat(meshctl("routes", "apply", "orders", "-f", routes.toString()))
                .isZero();
        final WebElement rule = waitFor(By.cssSelector("#service-orders-routes tr[data-rule='canary']"));
        assertThat(rule.getText())
                .contains("version=v1 90%", "version=v2 10%", "x-canary: (redacted)")
                .doesNotContain("yes-please");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.meshTestMarker;"))
                .as("the page was not reloaded")
                .isEqualTo("the same page");

        // The service's link leads to its routes.
        browser.findElement(By.cssSelector("#services tr[data-service='orders'] td.links a[href$='-routes']"))
                .click();
        assertThat(browser.getCurrentUrl()).endsWith("#service-orders-routes");
        screenshot("dashboard-routes.png");
        fullPageScreenshot("dashboard-full.png");
        assertThat(browser.findElement(By.tagName("body")).getText())
                .as("no token on the page")
                .doesNotContain(token("viewer.token"), adminToken());
    }

    private int meshctl(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = MeshCtl.commandLine(
                Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exit = commandLine.execute(args);
        if (exit != 0) {
            throw new AssertionError("meshctl " + String.join(" ", args) + ": exit " + exit + ": " + err + out);
        }
        return exit;
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private static int status(MeshClient client, String path) {
        return client.webClient("orders").get(path).aggregate().join().status().code();
    }

    private String adminToken() throws IOException {
        return token("admin.token");
    }

    private String token(String file) throws IOException {
        return Files.readString(dataDir.resolve(file), StandardCharsets.US_ASCII)
                .strip();
    }

    private String edgeLabel(String edge) {
        return browser.findElement(By.cssSelector("#topology g.edge[data-edge='" + edge + "'] text"))
                .getText();
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser, PATIENCE).until(d -> {
            final List<WebElement> found = d.findElements(by);
            return found.isEmpty() ? null : found.get(0);
        });
    }

    private void waitUntil(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, PATIENCE)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }

    /** The whole page, not only the window, through Chromium's DevTools protocol; kept as target/dashboard/NAME. */
    private void fullPageScreenshot(String name) throws IOException {
        final long height = ((Number)
                        ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight;"))
                .longValue();
        final long width = ((Number)
                        ((JavascriptExecutor) browser).executeScript("return document.documentElement.clientWidth;"))
                .longValue();
        final Map<String, Object> shot = ((ChromeDriver) browser)
                .executeCdpCommand(
                        "Page.captureScreenshot",
                        Map.of(
                                "captureBeyondViewport",
                                true,
                                "clip",
                                Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        final Path dir = Paths.get("target", "dashboard");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), Base64.getDecoder().decode((String) shot.get("data")));
    }

    /** Kept as test output: target/dashboard/NAME. */
    private void screenshot(String name) throws IOException {
        final File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        final Path dir = Paths.get("target", "dashboard");
        Files.createDirectories(dir);
        Files.copy(png.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
