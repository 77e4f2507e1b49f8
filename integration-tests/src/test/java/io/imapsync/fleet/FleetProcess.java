package io.imapsync.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A daemon or coordinator of the fleet as its own JVM, run from the daemon jar exactly as
 * {@code bin/imap-sync} runs it, its output in a log file under {@code target/fleet-logs}. Signals
 * are real: {@link #kill9()} is SIGKILL, {@link #freeze()} SIGSTOP, {@link #terminate()} SIGTERM.
 */
final class FleetProcess implements AutoCloseable {
  static final Path JAR = Path.of("..", "sync-daemon", "target", "imap-sync.jar");

  final String name;
  final Path log;
  private final Process process;

  private FleetProcess(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static FleetProcess start(String name, Map<String, String> env, String... args) throws IOException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException("build the daemon jar first (mvn package): " + JAR.toAbsolutePath());
    }
    Path dir = Path.of("target", "fleet-logs");
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        // Small JVMs: seven of them share two cores with the simulator and the test.
        "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
        "-cp", JAR.toString(), "io.imapsync.cli.ImapSyncCommand"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return new FleetProcess(name, log, pb.start());
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  boolean logContains(String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  /** SIGTERM; the exit code once it ended (-1 if it did not within the wait). */
  int terminate(long waitSeconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(waitSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      try {
        thaw(); // a frozen process ignores SIGTERM until continued
      } catch (IOException | RuntimeException e) {
        // gone already
      }
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
