/*
 * Run from the repository root (JDK 21+ as JAVA_HOME):
 *
 *   ./mvnw -q -o -pl sync-daemon test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp && (cd sync-daemon && "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/bench.cp)" io.imapsync.imap.protocol.bench.ImapDecodeBenchmark)
 *
 * Options: --responses N (per workload, default 2000), --chunk OCTETS (default 16384),
 * --warmup SECONDS (default 5), --iterations N (default 5) of --measure SECONDS each (default 2),
 * --out PATH (default target/imap-decode-bench.json, relative to the working directory),
 * --only flags|headers|body20k|mix.
 */
package io.imapsync.imap.protocol.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.imapsync.imap.protocol.ImapFrameDecoder;
import io.imapsync.imap.protocol.ImapLimits;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ImapResponseParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decode throughput of {@link ImapFrameDecoder} + {@link ImapResponseParser}: a stream of typical
 * FETCH responses goes through an {@link EmbeddedChannel} in fixed-size reads (pooled direct
 * buffers, as a socket read would deliver them), every frame is parsed into an {@link
 * ImapResponse} and released. Workloads: flag updates only (what IDLE and CONDSTORE resyncs
 * bring), ENVELOPE+BODYSTRUCTURE headers (a new-mail listing), 20 KB BODY[] literals (message
 * download), and a mix of the three. Prints MB/s (10^6 octets) and responses/s per workload and
 * writes them as JSON. A plain harness, not JMH: warm-up by time, then several timed
 * iterations, each of whole passes over the stream until its time is used up; the median
 * iteration is reported, with the slowest and fastest (shared or noisy machines vary a lot).
 */
public final class ImapDecodeBenchmark {

  record Workload(String name, String description, byte[] stream, int responses) {}

  /** One timed iteration. */
  record Iteration(long passes, double seconds, double megabytesPerSecond, double responsesPerSecond) {}

  /** Median, slowest and fastest of the iterations of one workload. */
  record Result(String workload, String description, int responsesPerPass, long octetsPerPass,
      double megabytesPerSecond, double responsesPerSecond, double minMegabytesPerSecond,
      double maxMegabytesPerSecond, List<Iteration> iterations) {}

  public static void main(String[] args) throws IOException {
    Map<String, String> opt = options(args);
    int responses = Integer.parseInt(opt.getOrDefault("responses", "2000"));
    int chunk = Integer.parseInt(opt.getOrDefault("chunk", "16384"));
    double warmup = Double.parseDouble(opt.getOrDefault("warmup", "5"));
    double measure = Double.parseDouble(opt.getOrDefault("measure", "2"));
    int iterations = Integer.parseInt(opt.getOrDefault("iterations", "5"));
    Path out = Path.of(opt.getOrDefault("out", "target/imap-decode-bench.json"));
    String only = opt.get("only");

    List<Workload> workloads = new ArrayList<>(List.of(
        flagsOnly(responses), headers(responses), bodies(responses), mix(responses)));
    if (only != null) {
      workloads.removeIf(w -> !w.name().equals(only));
    }
    ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    System.out.printf("%-10s %10s %6s %12s %16s %14s%n", "workload", "octets", "resp", "MB/s median", "(min-max)",
        "responses/s");
    List<Result> results = new ArrayList<>();
    for (Workload w : workloads) {
      run(w, chunk, alloc, seconds(warmup)); // warm-up, result dropped
      List<Iteration> its = new ArrayList<>();
      for (int i = 0; i < iterations; i++) {
        its.add(run(w, chunk, alloc, seconds(measure)));
      }
      List<Iteration> sorted = its.stream()
          .sorted(java.util.Comparator.comparingDouble(Iteration::megabytesPerSecond)).toList();
      Iteration median = sorted.get(sorted.size() / 2);
      Result r = new Result(w.name(), w.description(), w.responses(), w.stream().length, median.megabytesPerSecond(),
          median.responsesPerSecond(), sorted.getFirst().megabytesPerSecond(), sorted.getLast().megabytesPerSecond(), its);
      results.add(r);
      System.out.printf("%-10s %10d %6d %12.1f %16s %14.0f%n", r.workload(), r.octetsPerPass(), r.responsesPerPass(),
          r.megabytesPerSecond(), String.format("(%.0f-%.0f)", r.minMegabytesPerSecond(), r.maxMegabytesPerSecond()),
          r.responsesPerSecond());
    }

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "imap-decode");
    report.put("timestamp", Instant.now().toString());
    report.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    report.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    report.put("readChunkOctets", chunk);
    report.put("warmupSeconds", warmup);
    report.put("iterations", iterations);
    report.put("measureSecondsPerIteration", measure);
    report.put("megabyte", "10^6 octets");
    report.put("results", results);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
    System.out.println("report: " + out.toAbsolutePath());
  }

  private static long seconds(double s) {
    return (long) (s * 1e9);
  }

  /** Whole passes over the stream until {@code nanos} have passed (at least one). */
  static Iteration run(Workload w, int chunk, ByteBufAllocator alloc, long nanos) {
    long passes = 0;
    long start = System.nanoTime();
    long elapsed;
    do {
      pass(w, chunk, alloc);
      passes++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < nanos);
    double secs = elapsed / 1e9;
    return new Iteration(passes, secs, w.stream().length * (double) passes / secs / 1e6,
        w.responses() * (double) passes / secs);
  }

  static volatile long sink;

  private static void pass(Workload w, int chunk, ByteBufAllocator alloc) {
    Parse parse = new Parse();
    EmbeddedChannel ch = new EmbeddedChannel(new ImapFrameDecoder(ImapLimits.DEFAULTS), parse);
    byte[] s = w.stream();
    for (int off = 0; off < s.length; off += chunk) {
      int n = Math.min(chunk, s.length - off);
      ByteBuf read = alloc.directBuffer(n);
      read.writeBytes(s, off, n);
      ch.writeInbound(read);
    }
    ch.finishAndReleaseAll();
    if (parse.count != w.responses()) {
      throw new IllegalStateException(w.name() + ": parsed " + parse.count + " of " + w.responses());
    }
    sink += parse.checksum;
  }

  /** Parses and releases every frame, keeping just enough of each result that it is computed. */
  private static final class Parse extends ChannelInboundHandlerAdapter {
    private final ImapResponseParser parser = new ImapResponseParser(ImapLimits.DEFAULTS);
    int count;
    long checksum;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      try {
        ImapResponse r = parser.parse(frame);
        count++;
        if (r instanceof ImapResponse.Fetch f) {
          checksum += f.data().uid();
          byte[] body = f.data().wholeMessage();
          if (body != null) {
            checksum += body.length;
          }
        }
      } finally {
        frame.release();
      }
    }
  }

  // ---------------------------------------------------------------- workloads

  static Workload flagsOnly(int n) {
    SplittableRandom r = new SplittableRandom(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1; i <= n; i++) {
      flags(out, r, i);
    }
    return new Workload("flags", "FETCH (UID MODSEQ FLAGS) updates", out.toByteArray(), n);
  }

  static Workload headers(int n) {
    SplittableRandom r = new SplittableRandom(2);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1; i <= n; i++) {
      header(out, r, i);
    }
    return new Workload("headers", "FETCH (UID RFC822.SIZE FLAGS INTERNALDATE ENVELOPE BODYSTRUCTURE)",
        out.toByteArray(), n);
  }

  static Workload bodies(int n) {
    SplittableRandom r = new SplittableRandom(3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1; i <= n; i++) {
      body(out, r, i);
    }
    return new Workload("body20k", "FETCH (UID BODY[] {20480})", out.toByteArray(), n);
  }

  /** 60% flag updates, 30% headers, 10% 20 KB bodies, interleaved. */
  static Workload mix(int n) {
    SplittableRandom r = new SplittableRandom(4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1; i <= n; i++) {
      int k = r.nextInt(10);
      if (k < 6) {
        flags(out, r, i);
      } else if (k < 9) {
        header(out, r, i);
      } else {
        body(out, r, i);
      }
    }
    return new Workload("mix", "60% flags, 30% headers, 10% 20 KB bodies", out.toByteArray(), n);
  }

  private static final String[] FLAGS = {"\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "$Junk", "\\Draft"};

  private static void flags(ByteArrayOutputStream out, SplittableRandom r, int seq) {
    StringBuilder f = new StringBuilder();
    for (String flag : FLAGS) {
      if (r.nextInt(3) == 0) {
        f.append(f.isEmpty() ? "" : " ").append(flag);
      }
    }
    ascii(out, "* " + seq + " FETCH (UID " + (100_000 + seq) + " MODSEQ (" + (9_000_000_000L + r.nextInt(1 << 20))
        + ") FLAGS (" + f + "))\r\n");
  }

  private static void header(ByteArrayOutputStream out, SplittableRandom r, int seq) {
    int uid = 100_000 + seq;
    String subject = "Re: [team] quarterly planning notes, round " + r.nextInt(1000) + " \\\"draft\\\"";
    ascii(out, "* " + seq + " FETCH (UID " + uid + " RFC822.SIZE " + (2000 + r.nextInt(200_000))
        + " FLAGS (\\Seen) INTERNALDATE \"17-Jul-2024 02:44:25 -0700\" ENVELOPE ("
        + "\"Wed, 17 Jul 2024 02:23:25 -0700\" \"" + subject + "\" "
        + "((\"Terry Gray\" NIL \"gray\" \"example.org\")) ((\"Terry Gray\" NIL \"gray\" \"example.org\")) "
        + "((\"Terry Gray\" NIL \"gray\" \"example.org\")) ((NIL NIL \"team\" \"lists.example.org\")) "
        + "((\"John Klensin\" NIL \"klensin\" \"example.com\") (\"Ana Lopez\" NIL \"ana\" \"example.net\")) NIL "
        + "\"<B27397-0100000@example.org>\" \"<" + uid + ".1721208205@mail.example.org>\") BODYSTRUCTURE ("
        + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 1834 42 NIL NIL NIL NIL)"
        + "(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 6120 120 NIL NIL NIL NIL) "
        + "\"ALTERNATIVE\" (\"BOUNDARY\" \"b1_" + uid + "\") NIL NIL NIL))\r\n");
  }

  private static final int BODY_SIZE = 20 * 1024;

  private static void body(ByteArrayOutputStream out, SplittableRandom r, int seq) {
    ascii(out, "* " + seq + " FETCH (UID " + (100_000 + seq) + " BODY[] {" + BODY_SIZE + "}\r\n");
    StringBuilder m = new StringBuilder(BODY_SIZE + 80);
    m.append("From: Terry Gray <gray@example.org>\r\nTo: team@lists.example.org\r\nSubject: notes ")
        .append(seq).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    while (m.length() < BODY_SIZE) {
      int words = 6 + r.nextInt(10);
      for (int i = 0; i < words; i++) {
        m.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
      }
      m.append("\r\n");
    }
    m.setLength(BODY_SIZE);
    ascii(out, m.toString());
    ascii(out, ")\r\n");
  }

  private static final String[] WORDS = {"the", "meeting", "moved", "to", "Thursday", "agenda", "{5}", "budget",
      "review", "and", "notes", "from", "last", "week", "action", "items", "owner", "due"};

  private static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: [--responses N] [--chunk OCTETS] [--warmup S] [--iterations N]"
            + " [--measure S]"
            + " [--out PATH] [--only flags|headers|body20k|mix]");
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }
}
