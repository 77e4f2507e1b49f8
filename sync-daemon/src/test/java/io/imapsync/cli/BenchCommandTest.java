package io.imapsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A mistyped benchmark option ends with one clear line and exit code 2, before anything starts. */
class BenchCommandTest {
  @Test
  void anUnknownPeerIsNamedWithTheKnownOnes() {
    String err = runExpectingUsageError("--mailboxes", "10", "--peers", "angus-thread,imapflw");
    assertTrue(err.contains("unknown peer 'imapflw'; known: all, angus-thread, angus-idlemanager, imapflow"), err);
  }

  @Test
  void anUnknownInitialSyncPeerIsNamedWithTheKnownOnes() {
    String err = runExpectingUsageError("initial-sync", "--peers", "jakarta");
    assertTrue(err.contains("unknown initial-sync peer 'jakarta'; known: all, angus, imapflow"), err);
  }

  @Test
  void anUnknownPeerWorkAndAZeroConnectRateAreRefused() {
    assertTrue(runExpectingUsageError("--mailboxes", "10", "--peer-work", "half").contains("unknown peer work 'half'"));
    assertTrue(runExpectingUsageError("--mailboxes", "10", "--connects-per-second", "0")
        .contains("--connects-per-second must be at least 1, got 0"));
  }

  private static String runExpectingUsageError(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new BenchCommand()).execute(args);
    } finally {
      System.setErr(saved);
    }
    String err = captured.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, err);
    assertFalse(err.contains("\tat "), "a stack trace instead of a message: " + err);
    return err;
  }
}
