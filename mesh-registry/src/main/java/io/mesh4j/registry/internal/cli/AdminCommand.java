package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A {@code meshctl} command that acts on the registry as its operator: the connection flags, the arguments checked
 * before anything is sent (so a bad one is reported as such, not as whatever the registry or the network says), and
 * one admin client opened and closed around the work.
 */
abstract class AdminCommand implements Callable<Integer> {

    @Mixin
    MeshCtl.Connection connection = new MeshCtl.Connection();

    @Spec
    CommandSpec spec;

    /** What meshctl exits with once {@link #run} returns: 0, or 1 for a finding such as a difference. */
    int exitCode;

    @Override
    public final Integer call() throws Exception {
        checkArguments();
        final PrintWriter out = spec.commandLine().getOut();
        try (RegistryTrust.AdminClient admin = connection.open()) {
            run(admin.client(), out);
        } finally {
            // meshctl's main exits right after the command: what print() left in the buffer would never reach a
            // file that standard output is redirected to (meshctl bundle > bundle.pem wrote an empty file).
            out.flush();
        }
        return exitCode;
    }

    /** Checks and reads the arguments; nothing has been sent yet. */
    @Initializer
    void checkArguments() throws Exception {}

    /** The command's work against the registry; {@code out} is standard output. */
    abstract void run(RegistryClient registry, PrintWriter out) throws Exception;

    /** A usage error: exit code 2, the message on standard error with a pointer to {@code --help}. */
    ParameterException badArgument(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * Marks {@link #checkArguments()}, and so every override, as setting the fields that {@link #run} reads
     * (NullAway honours any annotation of this name): {@link #call()} runs it first.
     */
    @interface Initializer {}
}
