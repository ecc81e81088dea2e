package io.keystonelight.cluster;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code cluster} component of {@code /actuator/health}: this node's Raft role, the leader it
 * knows, the term and how far it has applied the log. DOWN while no leader is known: writes then
 * get ERR.
 */
public class ClusterHealthIndicator implements HealthIndicator {

    private final ClusterNode node;

    public ClusterHealthIndicator(ClusterNode node) {
        this.node = node;
    }

    @Override
    public Health health() {
        String leader = this.node.leaderId();
        Health.Builder health = new Health.Builder()
                .withDetail("nodeId", this.node.nodeId())
                .withDetail("role", this.node.role())
                .withDetail("leader", leader == null ? "none" : leader)
                .withDetail("term", this.node.term())
                .withDetail("appliedIndex", this.node.appliedIndex())
                .withDetail("members", this.node.currentMembers().keySet().toString());
        if (leader == null) {
            return health.down().withDetail("reason", "no leader: a majority of the members must be running and "
                    + "reach each other; writes get ERR until then").build();
        }
        return health.up().build();
    }
}
