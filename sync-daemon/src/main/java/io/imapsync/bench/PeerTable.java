package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The daemon's idle-fleet figures beside each peer's, with the ratio peer / ours. */
final class PeerTable {
  private record Row(String label, String key, double scale, String format, boolean ratio) {}

  private static final List<Row> ROWS = List.of(
      new Row("mailboxes in IDLE", "mailboxes_idle", 1, "%.0f", false),
      new Row("all in IDLE after (s)", "seconds_until_all_idle", 1, "%.1f", true),
      new Row("heap / idle mailbox (KiB)", "heap_bytes_per_idle_mailbox", 1024, "%.1f", true),
      new Row("RSS / idle mailbox (KiB)", "rss_bytes_per_idle_mailbox", 1024, "%.1f", true),
      new Row("threads while idle", "threads_while_idle", 1, "%.0f", true),
      new Row("threads after deliveries", "threads_after_deliveries", 1, "%.0f", true),
      new Row("CPU while idle (s in 10 s)", "cpu_seconds_while_idle", 1, "%.3f", true),
      new Row("push p50 (ms)", "push_latency_ms_p50", 1, "%.1f", true),
      new Row("push p99 (ms)", "push_latency_ms_p99", 1, "%.1f", true),
      new Row("push p99.9 (ms)", "push_latency_ms_p999", 1, "%.1f", true),
      new Row("delivered", "delivered", 1, "%.0f", false),
      new Row("delivered twice", "duplicates", 1, "%.0f", false));

  private final PrintStream out;

  PeerTable(PrintStream out) {
    this.out = out;
  }

  void print(JsonNode ours, JsonNode peers) {
    List<String> names = new ArrayList<>();
    peers.fieldNames().forEachRemaining(names::add);
    out.printf("%npeers at %d mailboxes, %d deliveries at %.0f/s to each (each its own process against its own "
        + "simulator; x = peer / ours)%n", ours.path("mailboxes").asInt(), ours.path("deliveries").asInt(),
        ours.path("rate_per_second").asDouble());
    StringBuilder header = new StringBuilder(String.format("  %-28s %12s", "", "imap-sync"));
    for (String n : names) {
      header.append(String.format(" %22s", n));
    }
    out.println(header);
    for (Row row : ROWS) {
      StringBuilder line = new StringBuilder(String.format("  %-28s %12s", row.label(), cell(ours, row)));
      for (String n : names) {
        JsonNode p = peers.get(n);
        String c = cell(p, row);
        double o = ours.path(row.key()).asDouble(-1);
        double v = p.path(row.key()).asDouble(-1);
        if (row.ratio() && o > 0 && v >= 0 && p.has(row.key())) {
          c += String.format(" (%sx)", ratio(v / o));
        }
        line.append(String.format(" %22s", c));
      }
      out.println(line);
    }
    boolean envelope = iterable(peers).iterator().hasNext()
        && "envelope".equals(iterable(peers).iterator().next().getValue().path("work").asText());
    out.println(envelope
        ? "  push latency: ours is stamp to the event in the Redis stream (fetch, normalize, write, read);"
            + " a peer's (--peer-work envelope) is stamp to the Message-ID in its hands"
        : "  push latency, all alike: stamp to the entry read back from Redis (each new message fetched whole,"
            + " parsed, written to a stream)");
    int initial = ours.path("initial_sync_messages_per_mailbox").asInt(10);
    out.println((initial > 0 ? "  all in IDLE: ours also syncs each mailbox first (its " + initial + " newest messages"
            + " fetched, parsed, threaded, written to Redis; --initial-messages 0 to skip); a peer selects and idles."
        : "  all in IDLE: ours, like the peers, starts after each mailbox's newest message (--initial-messages 0).")
        + " Threads: ours without the benchmark's own ("
        + ours.path("threads_of_benchmark_not_counted").asInt() + "). CPU while idle: over "
        + ours.path("idle_window_seconds").asInt() + " s once each process is quiet (start-up JIT done)");
    for (Map.Entry<String, JsonNode> e : iterable(peers)) {
      if (e.getValue().hasNonNull("error")) {
        out.printf("  %s did not complete: %s%n", e.getKey(), e.getValue().get("error").asText());
      }
      if (e.getValue().hasNonNull("first_error")) {
        out.printf("  %s: %d failed to connect, %d lost; first error: %s%n", e.getKey(),
            e.getValue().path("failed_to_connect").asInt(), e.getValue().path("connections_lost").asInt(),
            e.getValue().get("first_error").asText());
      }
    }
  }

  private static String cell(JsonNode n, Row row) {
    if (!n.has(row.key()) || n.path(row.key()).asDouble() < 0) {
      return "-";
    }
    return String.format(row.format(), n.path(row.key()).asDouble() / row.scale());
  }

  private static String ratio(double r) {
    return r >= 10 ? String.format("%.0f", r) : r >= 0.1 ? String.format("%.1f", r) : String.format("%.2f", r);
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }
}
