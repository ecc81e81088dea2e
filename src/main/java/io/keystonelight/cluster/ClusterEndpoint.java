package io.keystonelight.cluster;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.keystonelight.security.PasswordCheck;

/**
 * {@code /actuator/cluster}: the members (GET), and membership changes at run time (POST
 * {@code /actuator/cluster/add} with {@code {"node":"n4","address":"host:port"}},
 * {@code /remove} and {@code /transfer} with {@code {"node":"n2"}}), answered once the change is
 * committed or refused, with a status that says why. While the server has a password, a change
 * must carry it ({@code "password":"..."} in the body): whoever reaches the HTTP port could
 * otherwise take a majority's say over the data.
 */
@Endpoint(id = "cluster")
public class ClusterEndpoint {

    private final ClusterNode node;

    private final PasswordCheck passwordCheck;

    public ClusterEndpoint(ClusterNode node, PasswordCheck passwordCheck) {
        this.node = node;
        this.passwordCheck = passwordCheck;
    }

    @ReadOperation
    public Map<String, Object> members() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("nodeId", this.node.nodeId());
        view.put("role", this.node.role());
        String leader = this.node.leaderId();
        view.put("leader", leader == null ? "none" : leader);
        view.put("term", this.node.term());
        view.put("members", this.node.currentMembers());
        Map<String, String> previous = this.node.previousMembers();
        if (!previous.isEmpty()) {
            view.put("changingFrom", previous);
        }
        view.put("configurationIndex", this.node.configurationIndex());
        return view;
    }

    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> change(@Selector String action, String node,
            @Nullable String address, @Nullable String password) {
        Map<String, Object> answer = new LinkedHashMap<>();
        if (this.passwordCheck.required()
                && (password == null || !this.passwordCheck.matches(password.getBytes(StandardCharsets.UTF_8)))) {
            answer.put("error", (password == null ? "no password" : "wrong password") + ": this server has a password "
                    + "(keystonelight.server.password), so a membership change must carry it: "
                    + "{\"node\":\"" + node + "\",...,\"password\":\"...\"}");
            return new WebEndpointResponse<>(answer, 401);
        }
        try {
            String done = switch (action) {
                case "add" -> {
                    if (address == null || address.isBlank()) {
                        throw new MembershipException(400, "add needs the new member's Raft address: "
                                + "{\"node\":\"" + node + "\",\"address\":\"host:port\"}");
                    }
                    yield this.node.addMember(node, address.trim());
                }
                case "remove" -> this.node.removeMember(node);
                case "transfer" -> this.node.transferLeadership(node);
                default -> throw new MembershipException(404, "unknown change '" + action
                        + "': expected add, remove or transfer");
            };
            answer.put("result", done);
            answer.put("members", this.node.currentMembers());
            return new WebEndpointResponse<>(answer, 200);
        }
        catch (MembershipException ex) {
            answer.put("error", ex.getMessage());
            answer.put("members", this.node.currentMembers());
            return new WebEndpointResponse<>(answer, ex.status());
        }
    }
}
