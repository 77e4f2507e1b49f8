package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The load simulator as a process of its own (docs/loadsim.md), driven through its control
 * input: N mailboxes with one message in INBOX, on 127.0.0.1..K. Its memory and CPU are not the
 * benchmarked process's.
 */
public final class LoadSimProcess implements AutoCloseable {
  private final Process process;
  private final Writer control;
  private final int port;
  private final int addresses;
  private final BlockingQueue<JsonNode> statsLines = new LinkedBlockingQueue<>();

  private LoadSimProcess(Process process, int port, int addresses) {
    this.process = process;
    this.control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.port = port;
    this.addresses = addresses;
  }

  /** One loopback address per 25,000 mailboxes: each gives clients another ephemeral port range. */
  public static int addressesFor(int mailboxes) {
    return Math.max(1, (mailboxes + 24_999) / 25_000);
  }

  public static LoadSimProcess start(Path jar, int mailboxes) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the load simulator jar is missing: " + jar + " (bin/loadsim builds it)");
    }
    int addresses = addressesFor(mailboxes);
    Process p = new ProcessBuilder(javaBin(), "-Xmx2g", "-jar", jar.toString(), "--mailboxes",
        Integer.toString(mailboxes), "--port", "0", "--bind-count", Integer.toString(addresses), "--messages", "1",
        "--other-messages", "0", "--stats-every", "0", "--control-stdin")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine();
    if (ready == null) {
      p.destroyForcibly();
      throw new IllegalStateException("the load simulator exited before it was ready (exit " + p.exitValue() + ")");
    }
    LoadSimProcess sim = new LoadSimProcess(p, Json.MAPPER.readTree(ready).path("port").asInt(), addresses);
    // Its answers to control lines must be read, or its stdout pipe fills and it stops.
    Thread.ofPlatform().daemon().name("loadsim-out").start(() -> sim.readAnswers(out));
    return sim;
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
  public synchronized void send(String command) {
    try {
      control.write(command + "\n");
      control.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the load simulator stopped reading its control input", e);
    }
  }

  /** Its next stats line (open, idle, maxConnectionsPerUser, ...), or null when none came in time. */
  public JsonNode stats(Duration timeout) throws InterruptedException {
    statsLines.clear();
    send("stats");
    return statsLines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void readAnswers(BufferedReader out) {
    try (out) {
      String line;
      while ((line = out.readLine()) != null) {
        JsonNode n = Json.MAPPER.readTree(line);
        if ("stats".equals(n.path("type").asText())) {
          statsLines.add(n);
        }
      }
    } catch (IOException e) {
      // the simulator exited
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      send("quit");
    } catch (UncheckedIOException e) {
      // already gone
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
