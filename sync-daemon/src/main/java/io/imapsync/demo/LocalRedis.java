package io.imapsync.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import redis.embedded.RedisServer;

/**
 * A real redis-server process (the binary shipped in the embedded-redis jar) on a free loopback
 * port, with persistence off and its own temp dir, removed on close. For the demo and tests on a
 * machine with nothing installed.
 */
public final class LocalRedis implements AutoCloseable {
  private final RedisServer server;
  private final int port;
  private final Path dir;

  private LocalRedis(RedisServer server, int port, Path dir) {
    this.server = server;
    this.port = port;
    this.dir = dir;
  }

  public static LocalRedis start() {
    return start(java.util.List.of());
  }

  /** With more {@code redis.conf} lines (e.g. {@code cluster-enabled yes}). */
  public static LocalRedis start(java.util.List<String> settings) {
    try {
      Path dir = Files.createTempDirectory("imap-sync-redis");
      int port = freePort();
      var builder = RedisServer.newRedisServer()
          .port(port)
          .bind("127.0.0.1")
          .setting("save \"\"")
          .setting("appendonly no")
          .setting("dir " + dir)
          .setting("protected-mode yes");
      for (String line : settings) {
        builder.setting(line);
      }
      RedisServer server = builder.build();
      server.start();
      return new LocalRedis(server, port, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded redis-server: " + e.getMessage(), e);
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IOException e) {
      // the process may already be gone; the temp dir is still ours to remove
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
