package io.imapsync.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of an IMAP server that counts the connections open through it, exactly, at
 * every accept and close: the daemon connects here, the test's own client connects to the server
 * directly, so {@link #maxOpen()} is what the account held at its worst moment. Every connection
 * accepted counts the moment it is accepted, before a byte is relayed.
 */
public final class ConnectionCounter implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger max = new AtomicInteger();
  private final AtomicInteger total = new AtomicInteger();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  /** The last opens and closes, for a failure report that says when the budget was exceeded. */
  private final java.util.ArrayDeque<String> history = new java.util.ArrayDeque<>();
  private volatile String atMax = "";
  private volatile boolean closed;

  public ConnectionCounter(String host, int port) throws IOException {
    this.target = new InetSocketAddress(host, port);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("connection-counter").start(this::acceptLoop);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /** The most connections ever open at once. */
  public int maxOpen() {
    return max.get();
  }

  /** The last opens and closes (client port, connections open after) when the most were open at once. */
  public String historyAtMax() {
    return atMax;
  }

  private void record(String event) {
    synchronized (history) {
      history.addLast(java.time.LocalTime.now() + " " + event);
      if (history.size() > 24) {
        history.removeFirst();
      }
    }
  }

  private String history() {
    synchronized (history) {
      return String.join("\n  ", history);
    }
  }

  /** Connections accepted in all. */
  public int total() {
    return total.get();
  }

  /** Cuts every relayed connection at once (a server restart, as the client sees it). */
  public void dropAll() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      int now = open.incrementAndGet();
      int before = max.getAndAccumulate(now, Math::max);
      total.incrementAndGet();
      record("open  :" + client.getPort() + " -> " + now);
      if (now > before) {
        atMax = history();
      }
      Thread.ofPlatform().daemon().name("connection-counter-relay").start(() -> relay(client));
    }
  }

  private void relay(Socket client) {
    AtomicInteger ends = new AtomicInteger();
    Runnable release = () -> {
      if (ends.incrementAndGet() == 1) {
        record("close :" + client.getPort() + " -> " + open.decrementAndGet());
      }
    };
    Socket server = new Socket();
    sockets.add(client);
    sockets.add(server);
    try {
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      server.connect(target, 5000);
      Thread up = Thread.ofPlatform().daemon().start(() -> {
        pump(client, server);
        release.run(); // the client closed its end: for it, the connection is gone
      });
      pump(server, client);
      up.join();
    } catch (IOException | InterruptedException e) {
      // the connection ends; counted below
    } finally {
      closeQuietly(client);
      closeQuietly(server);
      sockets.remove(client);
      sockets.remove(server);
      release.run();
    }
  }

  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // closed by either side
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    dropAll();
  }
}
