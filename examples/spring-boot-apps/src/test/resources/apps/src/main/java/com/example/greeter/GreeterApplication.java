package com.example.greeter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.annotation.ServiceClient;

@SpringBootApplication
public class GreeterApplication {

    public static void main(String[] args) {
        SpringApplication.run(GreeterApplication.class, args);
    }

    /** Served through the mesh's inbound stack (mTLS, authorization, metrics) on the mesh port. */
    @Component
    @MeshService
    public static class GreetingsApi {
        @Get("/greetings/{name}")
        public String greeting(@Param String name) {
            return "hello " + name;
        }
    }

    /** Calls the greeter service by name through the mesh's outbound stack; here it calls itself. */
    @ServiceClient("greeter")
    public interface GreeterClient {
        @Get("/greetings/{name}")
        String greeting(@Param("name") String name);
    }

    @RestController
    static class HelloController {
        private final GreeterClient greeter;

        HelloController(GreeterClient greeter) {
            this.greeter = greeter;
        }

        @GetMapping("/hello/{name}")
        String hello(@PathVariable String name) {
            return greeter.greeting(name) + ", through the mesh";
        }
    }
}
