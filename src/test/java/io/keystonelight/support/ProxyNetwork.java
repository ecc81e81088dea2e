package io.keystonelight.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network between cluster nodes, made of one TCP relay per ordered pair of nodes: node A
 * reaches node B's Raft port only through the relay (A to B), so the link between any two nodes
 * can be cut in both directions while every other link stays up. A cut link behaves as one that
 * drops packets: its open connections are closed, new ones are accepted but nothing passes
 * until the link is healed. Each node's peers list names the relays it uses, so no packet
 * filter or root privilege is needed; Ratis keeps the addresses a node started with for its
 * connections, so the views may differ per node.
 */
public final class ProxyNetwork implements AutoCloseable {

    private final List<String> ids;

    private final Map<String, Integer> raftPorts = new LinkedHashMap<>();

    private final Map<String, Relay> relays = new LinkedHashMap<>();

    /** Cut links, each as "a|b" with a before b in the node order. */
    private final Set<String> cut = ConcurrentHashMap.newKeySet();

    public ProxyNetwork(List<String> ids) {
        this.ids = List.copyOf(ids);
        for (String id : ids) {
            this.raftPorts.put(id, FreePorts.belowEphemeralRange());
        }
        for (String from : ids) {
            for (String to : ids) {
                if (!from.equals(to)) {
                    Relay relay = new Relay(from, to, this.raftPorts.get(to));
                    this.relays.put(from + ">" + to, relay);
                    relay.start();
                }
            }
        }
    }


    /** The peers setting of node {@code self}: itself at its own Raft port, the others at its relays to them. */
    public String peersOf(String self) {
        StringBuilder peers = new StringBuilder();
        for (String id : this.ids) {
            int port = id.equals(self) ? this.raftPorts.get(id) : this.relays.get(self + ">" + id).port();
            peers.append(peers.isEmpty() ? "" : ",").append(id).append("=127.0.0.1:").append(port);
        }
        return peers.toString();
    }

    private String link(String a, String b) {
        return this.ids.indexOf(a) < this.ids.indexOf(b) ? a + "|" + b : b + "|" + a;
    }

    private boolean isCut(String from, String to) {
        return this.cut.contains(link(from, to));
    }

    /** Cuts every link between a node of {@code one} and a node of {@code other}. */
    public void split(Collection<String> one, Collection<String> other) {
        for (String a : one) {
            for (String b : other) {
                if (!a.equals(b)) {
                    cutLink(a, b);
                }
            }
        }
    }

    /** Cuts {@code node} off from every other node. */
    public void isolate(String node) {
        split(List.of(node), this.ids);
    }

    public void cutLink(String a, String b) {
        this.cut.add(link(a, b));
        this.relays.get(a + ">" + b).dropConnections();
        this.relays.get(b + ">" + a).dropConnections();
    }

    /** Restores every link; connections held while a link was cut are closed, so the nodes reconnect. */
    public void heal() {
        List<String> links = new ArrayList<>(this.cut);
        this.cut.clear();
        for (String pair : links) {
            String[] ends = pair.split("\\|");
            this.relays.get(ends[0] + ">" + ends[1]).dropConnections();
            this.relays.get(ends[1] + ">" + ends[0]).dropConnections();
        }
    }

    @Override
    public void close() {
        this.relays.values().forEach(Relay::close);
    }

    private final class Relay {

        private final String from;

        private final String to;

        private final int target;

        private final ServerSocket listener;

        private final Set<Socket> open = ConcurrentHashMap.newKeySet();

        Relay(String from, String to, int target) {
            this.from = from;
            this.to = to;
            this.target = target;
            try {
                this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        int port() {
            return this.listener.getLocalPort();
        }

        void start() {
            daemon("relay-" + this.from + ">" + this.to, this::acceptLoop);
        }

        private void acceptLoop() {
            while (!this.listener.isClosed()) {
                Socket inbound;
                try {
                    inbound = this.listener.accept();
                }
                catch (IOException ex) {
                    return;
                }
                this.open.add(inbound);
                if (isCut(this.from, this.to)) {
                    // Held open and silent, as a SYN that got through before packets were dropped.
                    daemon("relay-held", () -> discard(inbound));
                    continue;
                }
                Socket outbound = new Socket();
                try {
                    outbound.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.target), 2_000);
                    outbound.setTcpNoDelay(true);
                    inbound.setTcpNoDelay(true);
                }
                catch (IOException ex) {
                    closeQuietly(inbound);
                    closeQuietly(outbound);
                    this.open.remove(inbound);
                    continue;
                }
                this.open.add(outbound);
                daemon("relay-" + this.from + ">" + this.to, () -> pump(inbound, outbound));
                daemon("relay-" + this.to + ">" + this.from, () -> pump(outbound, inbound));
            }
        }

        private void discard(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[8192];
                while (in.read(buffer) >= 0) {
                    // dropped
                }
            }
            catch (IOException ex) {
                // closed when the link is healed
            }
            finally {
                this.open.remove(socket);
            }
        }

        private void pump(Socket source, Socket sink) {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = source.getInputStream(); OutputStream out = sink.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                }
            }
            catch (IOException ex) {
                // either side closed, or the link was cut
            }
            finally {
                closeQuietly(source);
                closeQuietly(sink);
                this.open.remove(source);
                this.open.remove(sink);
            }
        }

        void dropConnections() {
            for (Socket socket : List.copyOf(this.open)) {
                closeQuietly(socket);
                this.open.remove(socket);
            }
        }

        void close() {
            closeQuietly(this.listener);
            dropConnections();
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        }
        catch (IOException ex) {
            // already closed
        }
    }
}
