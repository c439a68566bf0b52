package io.mesh4j.spring.autoconfigure;

import static java.util.Objects.requireNonNull;

/**
 * A {@code mesh.*} setting that cannot work; {@link MeshConfigurationFailureAnalyzer} turns it into a failure
 * analysis that names the property and says how to set it.
 */
public final class MeshConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The property to set, such as {@code mesh.service}. */
    private final String property;

    /** How to set it, for a person. */
    private final String action;

    /**
     * Makes the exception; its message is {@code property: problem}.
     *
     * @param property the property to set, such as {@code mesh.service}
     * @param problem  what is wrong, for the analysis's description
     * @param action   how to set it, for the analysis's action
     */
    public MeshConfigurationException(String property, String problem, String action) {
        super(requireNonNull(property, "property") + ": " + requireNonNull(problem, "problem"));
        this.property = property;
        this.action = requireNonNull(action, "action");
    }

    /**
     * Returns the property to set.
     *
     * @return the property, such as {@code mesh.service}
     */
    public String property() {
        return property;
    }

    /**
     * Returns how to set it, which the failure analysis shows as its action.
     *
     * @return the advice, for a person
     */
    public String action() {
        return action;
    }
}
