package io.imapsync.peers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.Json;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The peer protocol's output side: one JSON object per line on standard output, the same lines
 * the ImapFlow harness prints (docs/performance.md, "Peers"). Logs go to standard error.
 */
public final class PeerOutput {
  // Straight to fd 1: System.out may be redirected by a library that logs.
  private final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

  /** Before any connection: the heap after a full GC is the baseline the driver subtracts. */
  public void started(String peer, long heapUsedBytes) {
    ObjectNode n = line("started");
    n.put("peer", peer);
    n.put("pid", ProcessHandle.current().pid());
    n.put("heap_used_bytes", heapUsedBytes);
    print(n);
  }

  public void progress(ConnectTally tally, boolean done) {
    ObjectNode n = line(done ? "connected" : "progress");
    n.put("connected", tally.connected());
    n.put("failed", tally.failed());
    n.put("lost", tally.lost());
    n.put("seconds", Math.round(tally.seconds() * 10) / 10.0);
    if (tally.firstError() != null) {
      n.put("first_error", tally.firstError());
    }
    print(n);
  }

  /** A delivery the peer received: the push latency is measured here, where the Message-ID arrived. */
  public void delivery(String user, String messageId, long latencyMicros) {
    ObjectNode n = line("delivery");
    n.put("user", user);
    n.put("message_id", messageId);
    n.put("latency_micros", latencyMicros);
    print(n);
  }

  public void memory(long heapUsedBytes, int threads) {
    ObjectNode n = line("memory");
    n.put("heap_used_bytes", heapUsedBytes);
    n.put("threads", threads);
    print(n);
  }

  /** One initial sync done: every message of the folder fetched, parsed and in the stream. */
  public void synced(String run, int messages, long bytes, double seconds) {
    ObjectNode n = line("synced");
    n.put("run", run);
    n.put("messages", messages);
    n.put("bytes", bytes);
    n.put("seconds", seconds);
    print(n);
  }

  public void error(String message) {
    ObjectNode n = line("error");
    n.put("message", message);
    print(n);
  }

  private static ObjectNode line(String type) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("type", type);
    return n;
  }

  private void print(ObjectNode n) {
    String text = n.toString();
    synchronized (out) {
      out.println(text);
    }
  }
}
