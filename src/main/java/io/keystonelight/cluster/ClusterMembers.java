package io.keystonelight.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The members of a cluster as {@code keystonelight.cluster.peers} lists them:
 * {@code n1=host:port,n2=host:port,...}, this node included.
 *
 * @param nodeId this node
 * @param addresses every member's Raft address by node id, in the order given
 */
record ClusterMembers(String nodeId, Map<String, Address> addresses) {

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** A Raft address. */
    record Address(String host, int port) {

        @Override
        public String toString() {
            return this.host + ":" + this.port;
        }
    }

    static ClusterMembers parse(String nodeId, String peers) {
        String node = nodeId.trim();
        if (!NODE_ID.matcher(node).matches()) {
            throw new ClusterConfigurationException("keystonelight.cluster.node-id '" + nodeId
                    + "' is not a valid node id: expected 1 to 64 letters, digits, '_', '.' or '-'");
        }
        if (peers == null || peers.isBlank()) {
            throw new ClusterConfigurationException("keystonelight.cluster.node-id is " + node
                    + " but keystonelight.cluster.peers is not set: expected every member, e.g. "
                    + "n1=127.0.0.1:9871,n2=127.0.0.1:9872,n3=127.0.0.1:9873");
        }
        Map<String, Address> addresses = new LinkedHashMap<>();
        for (String part : peers.split(",")) {
            String entry = part.trim();
            int equals = entry.indexOf('=');
            int colon = entry.lastIndexOf(':');
            if (equals <= 0 || colon < equals + 2 || colon == entry.length() - 1) {
                throw malformed(peers, "'" + entry + "' is not id=host:port");
            }
            String id = entry.substring(0, equals).trim();
            String host = entry.substring(equals + 1, colon).trim();
            if (!NODE_ID.matcher(id).matches()) {
                throw malformed(peers, "'" + id + "' is not a valid node id (letters, digits, '_', '.', '-')");
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1).trim());
            }
            catch (NumberFormatException ex) {
                throw malformed(peers, "the port of '" + entry + "' is not a number");
            }
            if (port < 1 || port > 65535) {
                throw malformed(peers, "the port of '" + entry + "' is not between 1 and 65535");
            }
            if (addresses.put(id, new Address(host, port)) != null) {
                throw malformed(peers, "node id " + id + " is listed twice");
            }
        }
        List<Address> seen = new ArrayList<>();
        for (Address address : addresses.values()) {
            if (seen.contains(address)) {
                throw malformed(peers, "address " + address + " is listed twice");
            }
            seen.add(address);
        }
        if (!addresses.containsKey(node)) {
            throw new ClusterConfigurationException("keystonelight.cluster.node-id " + node
                    + " is not one of the members in keystonelight.cluster.peers (" + String.join(", ",
                            addresses.keySet()) + "): the peers must list every member, this node included");
        }
        return new ClusterMembers(node, addresses);
    }

    private static ClusterConfigurationException malformed(String peers, String why) {
        return new ClusterConfigurationException("keystonelight.cluster.peers '" + peers + "' is malformed: " + why
                + "; expected n1=host:port,n2=host:port,... with every member, this node included");
    }

    /** A node id and Raft address given at run time, to add a member; {@code 400} if either is malformed. */
    static Address parseAddress(String id, String address) {
        if (id == null || !NODE_ID.matcher(id).matches()) {
            throw new MembershipException(400, "node id '" + id + "' is not valid: expected 1 to 64 letters, digits, "
                    + "'_', '.' or '-'");
        }
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon < 1 || colon == address.length() - 1) {
            throw new MembershipException(400, "address '" + address + "' of " + id + " is not host:port (its Raft "
                    + "address, as in the peers setting)");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1).trim());
            if (port >= 1 && port <= 65535) {
                return new Address(address.substring(0, colon).trim(), port);
            }
        }
        catch (NumberFormatException ex) {
            // answered below, as a port out of range is
        }
        throw new MembershipException(400, "the port of address '" + address + "' of " + id
                + " is not a number between 1 and 65535");
    }

    Address self() {
        return this.addresses.get(this.nodeId);
    }

    /** This node's place in the peers setting, from 0. */
    int rank() {
        return List.copyOf(this.addresses.keySet()).indexOf(this.nodeId);
    }

    int size() {
        return this.addresses.size();
    }
}
