package io.mesh4j.client.internal.balancer.p2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.Endpoint;

class OfferTest {

    @Test
    void drawsEachEndpointInProportionToItsWeight() {
        final Offer offer = new Offer(List.of(
                Endpoint.of("a", 1).withWeight(100),
                Endpoint.of("b", 1).withWeight(200),
                Endpoint.of("c", 1).withWeight(700)));
        final int[] draws = new int[3];
        for (int i = 0; i < 100_000; i++) {
            draws[offer.drawByWeight(ThreadLocalRandom.current())]++;
        }
        // Over 100,000 draws a share's standard deviation is at most 0.0016.
        assertThat(draws[0] / 100_000.0).isCloseTo(0.1, within(0.01));
        assertThat(draws[1] / 100_000.0).isCloseTo(0.2, within(0.01));
        assertThat(draws[2] / 100_000.0).isCloseTo(0.7, within(0.01));
    }

    @Test
    void drawsUniformlyWhenEveryWeightIsTheSame() {
        final Offer offer = new Offer(
                List.of(Endpoint.of("a", 1).withWeight(100), Endpoint.of("b", 1).withWeight(100)));
        int first = 0;
        for (int i = 0; i < 10_000; i++) {
            if (offer.drawByWeight(ThreadLocalRandom.current()) == 0) {
                first++;
            }
        }
        assertThat(first / 10_000.0).isCloseTo(0.5, within(0.03));
    }
}
