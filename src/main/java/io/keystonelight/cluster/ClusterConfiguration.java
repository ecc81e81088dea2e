package io.keystonelight.cluster;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.security.PasswordCheck;
import io.keystonelight.store.KeyValueStore;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Cluster mode, when {@code keystonelight.cluster.node-id} is set; without it nothing here runs
 * and the server is the single node it always was.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfiguration {

    /** Refuses cluster settings that cannot mean anything without a node id. */
    ClusterConfiguration(KeystoneLightProperties properties) {
        KeystoneLightProperties.Cluster cluster = properties.cluster();
        if (!cluster.enabled() && cluster.peers() != null && !cluster.peers().isBlank()) {
            throw new ClusterConfigurationException("keystonelight.cluster.peers is set but "
                    + "keystonelight.cluster.node-id is not: a cluster node needs both (its id must be one of the peers)");
        }
    }

    /**
     * The cluster's beans, in a class of their own that Spring reads only when a node id is set:
     * a single node never loads the classes they name, nor the Raft library behind them, whatever
     * transport it uses.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty("keystonelight.cluster.node-id")
    static class Node {

        @Bean
        ClusterNode clusterNode(KeystoneLightProperties properties, KeyValueStore store,
                ConfigurableApplicationContext context) {
            // Its own thread: the context's close stops the node's threads, the caller's among them.
            return new ClusterNode(properties, store, () -> {
                Thread exit = new Thread(() -> System.exit(SpringApplication.exit(context, () -> 0)),
                        "cluster-removed-exit");
                exit.start();
            });
        }

        @Bean
        ClusterEndpoint clusterEndpoint(ClusterNode node, PasswordCheck passwordCheck) {
            return new ClusterEndpoint(node, passwordCheck);
        }

        @Bean
        ClusterHealthIndicator clusterHealthIndicator(ClusterNode node) {
            return new ClusterHealthIndicator(node);
        }
    }
}
