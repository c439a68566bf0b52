package io.mesh4j.registry.internal.cli;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.SessionProtocolNegotiationException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.ClosedSessionException;

/**
 * One line for what keeps meshctl from talking to the registry (nothing listens there, the other side speaks TLS
 * and this one not, or the other way round), instead of an exception's name and its stack.
 */
final class ConnectionErrors {

    /** The line for {@code error}, or an empty string when it is not a connection problem. */
    static String describe(URI registry, Throwable error) {
        final boolean tls = "https".equals(registry.getScheme());
        final String where = registry.getHost() + ':' + registry.getPort();
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || String.valueOf(t.getMessage()).contains("Connection refused")) {
                return "cannot reach the registry at " + registry + ": nothing listens on " + where
                        + " (is the registry running, and is this its port?)";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "cannot reach the registry at " + registry + ": the host " + registry.getHost() + " is unknown";
            }
            if (t instanceof SSLException || t.getClass().getSimpleName().equals("NotSslRecordException")) {
                return tls
                        ? "the server at " + where + " does not speak TLS: if the registry runs with --plaintext, use "
                                + "http://" + where + "; else this is not the registry's port"
                        : "TLS failed with the registry at " + registry + ": " + t.getMessage();
            }
            if (!tls && (t instanceof ClosedSessionException || t instanceof SessionProtocolNegotiationException)) {
                return "the server at " + where + " closed a plaintext connection: the registry speaks TLS unless "
                        + "it runs with --plaintext, so use https://" + where;
            }
            if (t instanceof ResponseTimeoutException || t instanceof TimeoutException) {
                return "the registry at " + registry + " did not answer in time: is this its port?";
            }
        }
        if (error instanceof UnprocessedRequestException && error.getCause() != null) {
            return "cannot reach the registry at " + registry + ": " + error.getCause();
        }
        return "";
    }

    private ConnectionErrors() {}
}
