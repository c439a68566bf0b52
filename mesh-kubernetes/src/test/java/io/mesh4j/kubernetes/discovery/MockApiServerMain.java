package io.mesh4j.kubernetes.discovery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * fabric8's mock API server in CRUD mode, in a JVM of its own (see {@link MockApiServer}): prints
 * {@code LISTENING <port>}, then answers one command a line on stdin until it closes: {@code GONE <base64 JSON of an
 * EndpointSlice>} (answer the next watch with 410 Gone after storing that slice) and {@code STATS} (prints
 * {@code STATS <lists> <watches> <gone>}).
 */
public final class MockApiServerMain {

    private MockApiServerMain() {}

    public static void main(String[] args) throws Exception {
        final GoneOnceDispatcher dispatcher = new GoneOnceDispatcher();
        final KubernetesMockServer server = new KubernetesMockServer(
                new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        System.out.println("LISTENING " + server.getPort());
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("GONE ")) {
                final String json = new String(Base64.getDecoder().decode(line.substring(5)), StandardCharsets.UTF_8);
                dispatcher.goneOnNextWatch(Serialization.unmarshal(json, EndpointSlice.class));
                System.out.println("OK");
            } else if (line.equals("STATS")) {
                System.out.println("STATS " + dispatcher.lists.get() + ' ' + dispatcher.watches.get() + ' '
                        + dispatcher.gone.get());
            } else {
                System.out.println("ERROR unknown command: " + line);
            }
            System.out.flush();
        }
        server.destroy();
    }
}
