package io.mesh4j.spring.apps.webcaller;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Post;

import io.mesh4j.core.annotation.MeshService;

/** A route that answers with the body it was sent, added to an application to see a request body arrive whole. */
@Configuration(proxyBeanMethods = false)
public class EchoService {

    @MeshService
    public static final class EchoApi {
        @Post("/echo")
        public HttpResponse echo(String body) {
            return HttpResponse.of(MediaType.PLAIN_TEXT_UTF_8, "echo: " + body);
        }
    }

    @Bean
    EchoApi echoApi() {
        return new EchoApi();
    }
}
