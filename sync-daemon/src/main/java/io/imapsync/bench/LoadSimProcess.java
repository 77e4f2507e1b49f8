package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The load simulator as a process of its own (docs/loadsim.md), driven through its control
 * input: N mailboxes with one message in INBOX, on 127.0.0.1..K. Its memory and CPU are not the
 * benchmarked process's.
 */
public final class LoadSimProcess implements AutoCloseable {
  private final ControlledProcess process;
  private final int port;
  private final int addresses;
  private final BlockingQueue<JsonNode> statsLines;

  private LoadSimProcess(ControlledProcess process, int port, int addresses, BlockingQueue<JsonNode> statsLines) {
    this.process = process;
    this.port = port;
    this.addresses = addresses;
    this.statsLines = statsLines;
  }

  /** One loopback address per 25,000 mailboxes: each gives clients another ephemeral port range. */
  public static int addressesFor(int mailboxes) {
    return Math.max(1, (mailboxes + 24_999) / 25_000);
  }

  public static LoadSimProcess start(Path jar, int mailboxes) throws IOException, InterruptedException {
    return start(jar, mailboxes, List.of());
  }

  /** With extra simulator arguments (TLS, say). */
  public static LoadSimProcess start(Path jar, int mailboxes, List<String> extra) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the load simulator jar is missing: " + jar + " (bin/loadsim builds it)");
    }
    int addresses = addressesFor(mailboxes);
    BlockingQueue<JsonNode> ready = new LinkedBlockingQueue<>();
    BlockingQueue<JsonNode> stats = new LinkedBlockingQueue<>();
    List<String> cmd = new java.util.ArrayList<>(List.of(javaBin(), "-Xmx2g", "-jar", jar.toString(),
        "--mailboxes", Integer.toString(mailboxes), "--port", "0", "--bind-count", Integer.toString(addresses),
        "--messages", "1", "--other-messages", "0", "--stats-every", "0", "--control-stdin"));
    cmd.addAll(extra);
    ControlledProcess p = ControlledProcess.start(new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.DISCARD), "loadsim-out", n -> {
          switch (n.path("type").asText()) {
            case "ready" -> ready.add(n);
            case "stats" -> stats.add(n);
            default -> { } // answers to deliver and the like
          }
        });
    JsonNode first = ready.poll(2, TimeUnit.MINUTES);
    if (first == null) {
      p.close();
      throw new IllegalStateException("the load simulator was not ready within 2 minutes");
    }
    return new LoadSimProcess(p, first.path("port").asInt(), addresses, stats);
  }

  /** The java of this process, for the simulator and the Java peers alike. */
  static String javaBin() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  public int port() {
    return port;
  }

  public int addresses() {
    return addresses;
  }

  /** Sends one control line, e.g. {@code deliver user00001 INBOX} or {@code drop}. */
  public void send(String command) {
    process.send(command);
  }

  /** Its next stats line (open, idle, maxConnectionsPerUser, ...), or null when none came in time. */
  public JsonNode stats(Duration timeout) throws InterruptedException {
    statsLines.clear();
    send("stats");
    return statsLines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
