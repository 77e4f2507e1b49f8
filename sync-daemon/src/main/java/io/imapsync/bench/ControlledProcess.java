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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child process driven by command lines on its standard input that answers with JSON lines on
 * its standard output (the load simulator, the peers), and ends on {@code quit}. Its output is
 * always read, or the pipe fills and the child stops.
 */
final class ControlledProcess implements AutoCloseable {
  private final Process process;
  private final Writer control;

  private ControlledProcess(Process process) {
    this.process = process;
    this.control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Starts it; each JSON line it prints goes to {@code lines} on a reader thread named {@code name}. */
  static ControlledProcess start(ProcessBuilder builder, String name, Consumer<JsonNode> lines) throws IOException {
    ControlledProcess child = new ControlledProcess(builder.start());
    BufferedReader out = new BufferedReader(new InputStreamReader(child.process.getInputStream(), StandardCharsets.UTF_8));
    Thread.ofPlatform().daemon().name(name).start(() -> read(out, name, lines));
    return child;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Its exit code; only once it is no longer alive. */
  int exitValue() {
    return process.exitValue();
  }

  synchronized void send(String command) {
    try {
      control.write(command + "\n");
      control.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the child process stopped reading its input", e);
    }
  }

  private static void read(BufferedReader out, String name, Consumer<JsonNode> lines) {
    try (out) {
      String line;
      while ((line = out.readLine()) != null) {
        JsonNode n;
        try {
          n = Json.MAPPER.readTree(line);
        } catch (IOException e) {
          System.err.println(name + ": not a JSON line: " + line);
          continue;
        }
        lines.accept(n);
      }
    } catch (IOException e) {
      // the child exited
    }
  }

  /** {@code quit}, then force it after 10 s (10,000 connections may take a while to close). */
  @Override
  public void close() throws InterruptedException {
    try {
      send("quit");
    } catch (UncheckedIOException e) {
      // already gone
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
