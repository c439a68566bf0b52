package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where meshctl finds the registry when no flag says: an environment variable ({@code MESHCTL_REGISTRY},
 * {@code MESHCTL_DATA_DIR}, {@code MESHCTL_ADMIN_TOKEN_FILE}, {@code MESHCTL_TRUST_BUNDLE}), else the config file
 * ({@code $MESHCTL_CONFIG}, else {@code ~/.config/mesh4j/meshctl.properties}) with the same names as its flags:
 * {@code registry=https://registry.internal:7070}, {@code data-dir=/var/lib/mesh4j}. So that after one setup every
 * command works without flags.
 */
final class MeshCtlDefaults implements CommandLine.IDefaultValueProvider {

    static final String ENV_REGISTRY = "MESHCTL_REGISTRY";
    static final String ENV_CONFIG = "MESHCTL_CONFIG";

    /** The connection options the environment and the file may set. */
    private static final Set<String> KEYS = Set.of("registry", "data-dir", "admin-token-file", "trust-bundle");

    private static final ThreadLocal<@Nullable Path> lastConfigFile = new ThreadLocal<>();

    private final Map<String, String> env;
    private final Path configFile;
    private @Nullable Properties file;

    MeshCtlDefaults(Map<String, String> env) {
        this.env = env;
        configFile = configFile(env);
        lastConfigFile.set(configFile);
    }

    static Path configFile(Map<String, String> env) {
        final @Nullable String named = env.get(ENV_CONFIG);
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        final @Nullable String xdg = env.get("XDG_CONFIG_HOME");
        final Path base =
                xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("mesh4j").resolve("meshctl.properties");
    }

    /** The config file this meshctl reads, for messages that say where to set the registry. */
    static String describeConfigFile() {
        final @Nullable Path file = lastConfigFile.get();
        return file != null ? file.toString() : "~/.config/mesh4j/meshctl.properties";
    }

    @Override
    public @Nullable String defaultValue(ArgSpec arg) throws IOException {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        final String key = option.longestName().replaceFirst("^--", "");
        if (!KEYS.contains(key)) {
            return null;
        }
        final @Nullable String fromEnv =
                env.get("MESHCTL_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        final @Nullable String fromFile = file().getProperty(key);
        return fromFile != null && !fromFile.isBlank() ? fromFile.strip() : null;
    }

    private Properties file() throws IOException {
        if (file == null) {
            final Properties properties = new Properties();
            if (Files.isRegularFile(configFile)) {
                try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
                for (String name : properties.stringPropertyNames()) {
                    if (!KEYS.contains(name)) {
                        throw new IOException(configFile + ": unknown key '" + name + "' (expected only: "
                                + String.join(", ", KEYS.stream().sorted().toList()) + ')');
                    }
                }
            }
            file = properties;
        }
        return file;
    }
}
