package io.keystonelight.cluster;

/** The cluster settings do not describe a cluster this node can be part of; the message says why. */
public class ClusterConfigurationException extends RuntimeException {

    public ClusterConfigurationException(String message) {
        super(message);
    }
}
