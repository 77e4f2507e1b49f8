package io.imapsync.normalize.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Normalization throughput on the shared corpora: every message normalized again and again,
 * single-threaded, after a warm-up; prints messages/s and MB/s (10^6 octets of raw message) and
 * writes a JSON report. A plain harness rather than JMH: the unit of work is large (tens of µs),
 * so loop overhead does not matter, and the result is consumed (a checksum) so nothing is
 * optimized away.
 *
 * <p>Run from the repository root (JDK 21+ in JAVA_HOME):
 * <pre>
 * ./mvnw -B -q -o -pl sync-daemon test-compile exec:exec -Dexec.executable="$JAVA_HOME/bin/java" \
 *   -Dexec.classpathScope=test \
 *   -Dexec.args="-Xms1g -Xmx1g -cp %classpath io.imapsync.normalize.bench.NormalizeBenchmark"
 * </pre>
 * Options (append to {@code exec.args}): {@code --corpus DIR} (default ../shared/corpora),
 * {@code --out FILE} (default sync-daemon/target/normalize-bench.json), {@code --warmup-seconds N}
 * (10), {@code --seconds N} per round (5), {@code --rounds N} (5).
 */
public final class NormalizeBenchmark {
  private NormalizeBenchmark() {}

  public static void main(String[] args) throws IOException {
    Corpus corpus = Corpus.load(Corpus.option(args, "--corpus") == null ? null
        : Path.of(Corpus.option(args, "--corpus")));
    int warmupSeconds = intOption(args, "--warmup-seconds", 10);
    int seconds = intOption(args, "--seconds", 5);
    int rounds = intOption(args, "--rounds", 5);
    Path out = Corpus.output(args, "normalize-bench.json");

    MessageNormalizer normalizer = new MessageNormalizer(NormalizerOptions.forAccount(Set.of("me@example.com")));
    List<RawMessage> raws = new ArrayList<>();
    for (int i = 0; i < corpus.messages().size(); i++) {
      raws.add(new RawMessage("bench", "INBOX", 1, i + 1, List.of("\\Seen"), 1_700_000_000_000L, -1,
          corpus.messages().get(i), null, 0));
    }
    System.out.printf(Locale.ROOT, "corpus: %d messages, %.2f MB, %s%n", raws.size(), corpus.totalOctets() / 1e6,
        corpus.root());

    long sink = run(normalizer, raws, warmupSeconds * 1_000_000_000L, null).checksum;

    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    List<Round> results = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      long allocBefore = threads.getThreadAllocatedBytes(tid);
      Round round = run(normalizer, raws, seconds * 1_000_000_000L, corpus);
      round.allocatedPerMessage = (threads.getThreadAllocatedBytes(tid) - allocBefore) / Math.max(1, round.messages);
      sink += round.checksum;
      results.add(round);
      System.out.printf(Locale.ROOT, "round %d: %,.0f messages/s, %.1f MB/s, %,d bytes allocated per message%n",
          r + 1, round.messagesPerSecond(), round.megabytesPerSecond(), round.allocatedPerMessage);
    }

    // per-message latency over one pass, after everything above
    long[] nanos = new long[raws.size()];
    for (int i = 0; i < raws.size(); i++) {
      long t0 = System.nanoTime();
      sink += normalizer.normalize(raws.get(i)).blurb().length();
      nanos[i] = System.nanoTime() - t0;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);

    double[] mps = results.stream().mapToDouble(Round::messagesPerSecond).sorted().toArray();
    double[] mbs = results.stream().mapToDouble(Round::megabytesPerSecond).sorted().toArray();
    double medianMps = mps[mps.length / 2];
    double medianMbs = mbs[mbs.length / 2];
    System.out.printf(Locale.ROOT, "median of %d rounds: %,.0f messages/s, %.1f MB/s; per message p50 %.1f µs, "
        + "p99 %.1f µs, max %.1f µs (checksum %d)%n", rounds, medianMps, medianMbs, sorted[sorted.length / 2] / 1e3,
        sorted[(int) (sorted.length * 0.99)] / 1e3, sorted[sorted.length - 1] / 1e3, sink);

    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("benchmark", "normalize");
    report.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    report.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    report.put("processors", Runtime.getRuntime().availableProcessors());
    report.put("threads", 1);
    report.put("corpus", corpus.root().toString());
    report.put("messages", raws.size());
    report.put("octets", corpus.totalOctets());
    report.put("warmup_seconds", warmupSeconds);
    report.put("round_seconds", seconds);
    ArrayNode rs = report.putArray("rounds");
    for (Round r : results) {
      ObjectNode n = rs.addObject();
      n.put("messages", r.messages);
      n.put("octets", r.octets);
      n.put("nanos", r.nanos);
      n.put("messages_per_second", Math.round(r.messagesPerSecond()));
      n.put("mb_per_second", Math.round(r.megabytesPerSecond() * 10) / 10.0);
      n.put("allocated_bytes_per_message", r.allocatedPerMessage);
    }
    report.put("median_messages_per_second", Math.round(medianMps));
    report.put("median_mb_per_second", Math.round(medianMbs * 10) / 10.0);
    report.put("p50_micros", sorted[sorted.length / 2] / 1000);
    report.put("p99_micros", sorted[(int) (sorted.length * 0.99)] / 1000);
    report.put("max_micros", sorted[sorted.length - 1] / 1000);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    System.out.println("report: " + out.toAbsolutePath().normalize());
  }

  private static final class Round {
    long messages;
    long octets;
    long nanos;
    long checksum;
    long allocatedPerMessage;

    double messagesPerSecond() {
      return messages * 1e9 / nanos;
    }

    double megabytesPerSecond() {
      return octets / 1e6 * 1e9 / nanos;
    }
  }

  /** Whole passes over the corpus until {@code budgetNanos} have passed. */
  private static Round run(MessageNormalizer normalizer, List<RawMessage> raws, long budgetNanos, Corpus corpus) {
    Round round = new Round();
    long start = System.nanoTime();
    long now;
    do {
      for (RawMessage raw : raws) {
        MessageDocument d = normalizer.normalize(raw);
        round.checksum += d.blurb().length() + d.attachments().size() + d.parseWarnings().size();
        round.octets += raw.content().length;
      }
      round.messages += raws.size();
      now = System.nanoTime();
    } while (now - start < budgetNanos);
    round.nanos = now - start;
    return round;
  }

  private static int intOption(String[] args, String name, int dflt) {
    String v = Corpus.option(args, name);
    return v == null ? dflt : Integer.parseInt(v);
  }
}
