package io.mesh4j.core.classify;

/**
 * What a response (or the failure to get one) means for the mesh.
 */
public enum ResponseClass {
    /** The service did its job, which includes telling the caller it asked wrongly (4xx). */
    SUCCESS,
    /** The service failed and repeating the request could do harm or would not help. */
    FAILURE,
    /** The service failed in a way that a new attempt, on another endpoint, may fix without harm. */
    RETRYABLE_FAILURE;

    /**
     * Returns whether this is a failure, retryable or not.
     *
     * @return {@code true} for {@link #FAILURE} and {@link #RETRYABLE_FAILURE}
     */
    public boolean isFailure() {
        return this != SUCCESS;
    }
}
