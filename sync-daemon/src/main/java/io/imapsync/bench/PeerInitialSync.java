package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One initial-sync peer ({@link SyncPeerKind}) as a process of its own, driven over its standard
 * input: each {@link #sync} asks it for one full sync of the folder into a fresh Redis stream and
 * takes the figures from outside (wall time, the process's CPU from /proc), then checks in Redis
 * that the stream holds one entry per message: a peer is credited only with what it wrote.
 */
public final class PeerInitialSync implements AutoCloseable {
  private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
  private final ControlledProcess process;

  private PeerInitialSync(ProcessBuilder builder) throws IOException {
    this.process = ControlledProcess.start(builder, "sync-peer-out", lines::add);
  }

  /** Starts the peer against the server; its standard error goes to {@code stderr}. */
  public static PeerInitialSync start(List<String> command, String host, int port, String user, String password,
      String redisUrl, ProcessBuilder.Redirect stderr) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("--host", host, "--port", Integer.toString(port), "--user", user, "--password", password,
        "--redis-url", redisUrl));
    return new PeerInitialSync(new ProcessBuilder(cmd).redirectError(stderr));
  }

  public long pid() {
    return process.pid();
  }

  /** Waits for its {@code started} line (the ImapFlow script may run npm ci first). */
  public void awaitStarted(Duration timeout) throws InterruptedException {
    await("started", timeout);
  }

  /**
   * One full sync into {@code stream} (left for the caller to read and delete); {@code messages}
   * is what the folder holds. The figures: messages, seconds, messages_per_second, mb_per_second, cpu_seconds,
   * cpu_micros_per_message, entries_in_stream.
   */
  public ObjectNode sync(String run, String stream, int messages, RedisClusterCommands<String, String> redis,
      Duration timeout)
      throws InterruptedException {
    long cpuBefore = ProcStats.cpuNanos(pid());
    long started = System.nanoTime();
    process.send("sync " + run + " " + stream);
    JsonNode synced = await("synced", timeout);
    double seconds = (System.nanoTime() - started) / 1e9;
    double cpu = (ProcStats.cpuNanos(pid()) - cpuBefore) / 1e9;
    long entries = redis.xlen(stream);
    if (entries != messages || synced.path("messages").asInt() != messages) {
      throw new IllegalStateException("the peer's " + run + " sync wrote " + entries + " stream entries and counted "
          + synced.path("messages").asInt() + " messages; the folder holds " + messages);
    }
    long bytes = synced.path("bytes").asLong();
    ObjectNode r = InitialSyncBenchmark.figures(messages, bytes, seconds, cpu);
    r.put("entries_in_stream", entries);
    return r;
  }

  /** The next line of this type; an {@code error} line, the peer's exit or the deadline fails. */
  private JsonNode await(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode n = lines.poll(200, TimeUnit.MILLISECONDS);
      if (n != null && type.equals(n.path("type").asText())) {
        return n;
      }
      if (n != null && "error".equals(n.path("type").asText())) {
        throw new IllegalStateException("the peer: " + n.path("message").asText());
      }
      if (n == null && !process.alive() && lines.isEmpty()) {
        throw new IllegalStateException("the peer exited (code " + process.exitValue() + ") before sending " + type);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + type + " line from the peer within " + timeout.toSeconds() + " s");
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
