package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One peer process and its side of the peer protocol: commands on its standard input
 * ({@code connect}, {@code gc}, {@code quit}), JSON lines on its standard output. Deliveries are
 * tallied here by Message-ID, so a message received twice is seen.
 */
public final class PeerProcess implements AutoCloseable {
  private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
  private final Map<String, Integer> received = new HashMap<>();
  private final List<Long> latencies = new ArrayList<>();
  private volatile JsonNode lastProgress;
  private final ControlledProcess process;

  private PeerProcess(ProcessBuilder builder) throws IOException {
    // dispatch uses only the fields initialized above, so the reader may start before this returns
    this.process = ControlledProcess.start(builder, "peer-out", this::dispatch);
  }

  /**
   * Starts the peer with the mailboxes' arguments; its standard error goes to {@code stderr}
   * (a log file, or INHERIT for a test).
   */
  public static PeerProcess start(List<String> command, int port, int addresses, int mailboxes,
      int connectConcurrency, ProcessBuilder.Redirect stderr) throws IOException {
    return start(command, port, addresses, mailboxes, connectConcurrency, List.of(), stderr);
  }

  /** With more arguments for the peer ({@code --redis-url U --stream K} for the full job). */
  public static PeerProcess start(List<String> command, int port, int addresses, int mailboxes,
      int connectConcurrency, List<String> more, ProcessBuilder.Redirect stderr) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("--port", Integer.toString(port), "--addresses", Integer.toString(addresses), "--mailboxes",
        Integer.toString(mailboxes), "--connect-concurrency", Integer.toString(connectConcurrency)));
    cmd.addAll(more);
    return new PeerProcess(new ProcessBuilder(cmd).redirectError(stderr));
  }

  /** The peer's own process id (the ImapFlow script execs node, so it is node's). */
  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.alive();
  }

  public void send(String command) {
    process.send(command);
  }

  /** The next line of this type, skipping others; fails when the peer exits or the time is up. */
  public JsonNode await(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonNode n = lines.poll(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))), TimeUnit.NANOSECONDS);
      if (n != null && type.equals(n.path("type").asText())) {
        return n;
      }
      if (n == null && !process.alive() && lines.isEmpty()) {
        throw new IllegalStateException("the peer exited (code " + process.exitValue() + ") before sending " + type);
      }
      if (left <= 0) {
        throw new IllegalStateException("no " + type + " line from the peer within " + timeout.toSeconds() + " s");
      }
    }
  }

  /** The latest progress or connected line (connected, failed, lost, first_error), or null. */
  public JsonNode lastProgress() {
    return lastProgress;
  }

  /** Distinct Message-IDs received. */
  public synchronized int receivedDistinct() {
    return received.size();
  }

  /** How often each Message-ID was received. */
  public synchronized Map<String, Integer> receivedCounts() {
    return Map.copyOf(received);
  }

  /** Message-IDs received more than once. */
  public synchronized long receivedTwice() {
    return received.values().stream().filter(n -> n > 1).count();
  }

  /** Push latency of each first receipt, microseconds, ascending. */
  public synchronized List<Long> latenciesSorted() {
    return latenciesSortedFrom(0);
  }

  /** How many distinct deliveries were recorded so far. */
  public synchronized int recorded() {
    return latencies.size();
  }

  /** The latencies recorded after the first {@code from}, sorted. */
  public synchronized List<Long> latenciesSortedFrom(int from) {
    List<Long> copy = new ArrayList<>(latencies.subList(Math.min(from, latencies.size()), latencies.size()));
    copy.sort(null);
    return copy;
  }

  private void dispatch(JsonNode n) {
    switch (n.path("type").asText()) {
      case "delivery" -> record(n);
      case "progress", "connected" -> {
        lastProgress = n;
        lines.add(n);
      }
      default -> lines.add(n);
    }
  }

  private void record(JsonNode delivery) {
    arrived(delivery.path("message_id").asText(), delivery.path("latency_micros").asLong());
  }

  /** A message the peer delivered, seen by the benchmark's reader of its Redis stream (full job). */
  public synchronized void arrived(String messageId, long latencyMicros) {
    if (received.merge(messageId, 1, Integer::sum) == 1) {
      latencies.add(latencyMicros);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
