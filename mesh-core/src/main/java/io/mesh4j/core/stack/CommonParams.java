package io.mesh4j.core.stack;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The stack parameters both sides use. Each side's own parameters are declared by the package that reads them.
 */
public final class CommonParams {

    /** The service the stack calls (outbound) or serves (inbound). */
    public static final StackParams.Key<ServiceName> SERVICE = StackParams.Key.required("service");

    /** The time source of deadlines, budgets and breakers, so that tests need not sleep. */
    public static final StackParams.Key<Ticker> TICKER = StackParams.Key.of("ticker", Ticker::systemTicker);

    /** The one judgement of a response that retry, breaker and metrics share. */
    public static final StackParams.Key<ResponseClassifier> CLASSIFIER =
            StackParams.Key.of("classifier", ResponseClassifier::ofDefault);

    private CommonParams() {}
}
