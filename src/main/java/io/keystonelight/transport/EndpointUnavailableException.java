package io.keystonelight.transport;

/**
 * The TCP endpoint could not start listening, most often because its port is taken.
 */
public class EndpointUnavailableException extends RuntimeException {

    public EndpointUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
