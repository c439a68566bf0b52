package io.mesh4j.registry.internal.cli;

import java.util.concurrent.Callable;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl completion bash}: the bash completion script of every command, subcommand and option, made by
 * picocli from the commands themselves, so that it never falls behind them. It needs no registry.
 */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = "Prints the bash completion script: source <(bin/meshctl completion bash), or save it in "
                + "/etc/bash_completion.d/meshctl. Also works in zsh after 'autoload -U bashcompinit; bashcompinit'.")
final class Completion implements Callable<Integer> {

    @Parameters(paramLabel = "SHELL", description = "bash (the only one so far).")
    String shell = "";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!shell.equals("bash")) {
            throw new ParameterException(
                    spec.commandLine(),
                    "SHELL: '" + shell + "' (expected: bash; zsh can load bash's with bashcompinit)");
        }
        spec.commandLine()
                .getOut()
                .print(AutoComplete.bash("meshctl", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
