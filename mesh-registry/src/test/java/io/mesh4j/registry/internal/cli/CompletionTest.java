package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code meshctl completion bash}: a script that a real bash sources and completes meshctl's commands with. */
class CompletionTest {

    @TempDir
    Path dir;

    @Test
    void bashCompletesCommandsAndSubcommandsFromTheScript() throws Exception {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine meshctl = MeshCtl.commandLine(Map.of());
        meshctl.setOut(new PrintWriter(out, true));
        meshctl.setErr(new PrintWriter(err, true));
        assertThat(meshctl.execute("completion", "bash")).isZero();
        final Path script = Files.writeString(dir.resolve("meshctl.bash"), out.toString());

        assertThat(complete(script, "meshctl rou")).isEqualTo("routes");
        assertThat(complete(script, "meshctl routes d")).contains("diff").contains("delete");
        assertThat(complete(script, "meshctl policies apply orders --dr")).isEqualTo("--dry-run");

        assertThat(meshctl.execute("completion", "fish")).isEqualTo(2);
        assertThat(err.toString()).contains("SHELL: 'fish' (expected: bash");
    }

    /** What bash offers after {@code line}, as it would at a prompt after a tab. */
    private static String complete(Path script, String line) throws Exception {
        final String command = "source " + script + "; COMP_LINE='" + line + "'; COMP_WORDS=(" + line + "); "
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_POINT=${#COMP_LINE}; _complete_meshctl; "
                + "echo \"${COMPREPLY[*]}\"";
        final Process bash = new ProcessBuilder("bash", "-c", command)
                // compopt says on stderr that no real completion is running; only the offers matter.
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(bash.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
