package io.imapsync.normalize.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import jakarta.mail.BodyPart;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * mime4j against Angus (Jakarta Mail) on the shared corpora: both parse each message and extract
 * the same fields (subject, first From name and address, To count, date, Message-ID, text body,
 * HTML present, attachments with file name, type and decoded size), through each library's own
 * API as a straightforward user would. Measures speed (single thread, after warm-up), counts
 * failures and disagreements with our normalizer, and tries both on hostile mail. Results in
 * docs/normalization.md.
 *
 * <p>Run from the repository root (JDK 21+ in JAVA_HOME):
 * <pre>
 * ./mvnw -B -q -o -pl sync-daemon test-compile dependency:build-classpath \
 *   -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * "$JAVA_HOME/bin/java" -Xms1g -Xmx1g \
 *   -cp "sync-daemon/target/test-classes:sync-daemon/target/classes:$(cat sync-daemon/target/test-classpath.txt)" \
 *   io.imapsync.normalize.bench.MimeLibraryComparison
 * </pre>
 * Writes sync-daemon/target/mime-library-comparison.json. Options: {@code --corpus DIR},
 * {@code --out FILE}, {@code --warmup-seconds N} (10, per library: our normalizer needs about 8 s
 * of C2 compilation to reach full speed), {@code --seconds N} (5).
 */
public final class MimeLibraryComparison {
  private MimeLibraryComparison() {}

  /** The fields both libraries extract. */
  record Extract(String subject, String fromName, String fromAddress, int toCount, Long date, String messageId,
      String text, boolean html, List<String> attachments) {}

  private static final MessageNormalizer OURS =
      new MessageNormalizer(NormalizerOptions.forAccount(Set.of()));
  private static final Session SESSION;

  static {
    Properties p = new Properties();
    p.setProperty("mail.mime.decodefilename", "true");   // RFC 2047 in file names, as we do
    p.setProperty("mail.mime.decodeparameters", "true"); // RFC 2231
    p.setProperty("mail.mime.address.strict", "false");
    SESSION = Session.getInstance(p);
  }

  public static void main(String[] args) throws Exception {
    Corpus corpus = Corpus.load(Corpus.option(args, "--corpus") == null ? null
        : Path.of(Corpus.option(args, "--corpus")));
    int seconds = Corpus.option(args, "--seconds") == null ? 5 : Integer.parseInt(Corpus.option(args, "--seconds"));
    int warmup = Corpus.option(args, "--warmup-seconds") == null ? 10
        : Integer.parseInt(Corpus.option(args, "--warmup-seconds"));
    Path out = Corpus.output(args, "mime-library-comparison.json");
    Map<String, Function<byte[], Extract>> libraries = new LinkedHashMap<>();
    libraries.put("mime4j-dom", MimeLibraryComparison::mime4j);
    libraries.put("angus", MimeLibraryComparison::angus);
    libraries.put("ours", MimeLibraryComparison::ours);

    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    report.put("messages", corpus.messages().size());
    report.put("octets", corpus.totalOctets());
    ObjectNode speed = report.putObject("speed");
    System.out.printf(Locale.ROOT, "corpus: %d messages, %.2f MB%n", corpus.messages().size(),
        corpus.totalOctets() / 1e6);
    for (var lib : libraries.entrySet()) {
      double mps = throughput(lib.getValue(), corpus.messages(), warmup, seconds);
      speed.put(lib.getKey() + "_messages_per_second", Math.round(mps));
      speed.put(lib.getKey() + "_mb_per_second", Math.round(mps * corpus.totalOctets() / corpus.messages().size()
          / 1e5) / 10.0);
      System.out.printf(Locale.ROOT, "%-11s %,9.0f messages/s %7.1f MB/s%n", lib.getKey(), mps,
          mps * corpus.totalOctets() / corpus.messages().size() / 1e6);
    }

    // Correctness: failures, and agreement field by field with our normalizer.
    ObjectNode agreement = report.putObject("agreement_with_ours");
    ArrayNode differences = report.putArray("differences");
    for (String lib : List.of("mime4j-dom", "angus")) {
      Map<String, Integer> same = new LinkedHashMap<>();
      int failures = 0;
      for (int i = 0; i < corpus.messages().size(); i++) {
        Extract ref = ours(corpus.messages().get(i));
        Extract x;
        try {
          x = libraries.get(lib).apply(corpus.messages().get(i));
        } catch (RuntimeException e) {
          failures++;
          differences.addObject().put("library", lib).put("message", corpus.names().get(i))
              .put("field", "(failed)").put("value", e.toString());
          continue;
        }
        compare(lib, corpus.names().get(i), "subject", x.subject, ref.subject, same, differences);
        compare(lib, corpus.names().get(i), "from_name", x.fromName, ref.fromName, same, differences);
        compare(lib, corpus.names().get(i), "from_address", x.fromAddress, ref.fromAddress, same, differences);
        compare(lib, corpus.names().get(i), "to_count", x.toCount, ref.toCount, same, differences);
        compare(lib, corpus.names().get(i), "date", x.date, ref.date, same, differences);
        compare(lib, corpus.names().get(i), "message_id", x.messageId, ref.messageId, same, differences);
        compare(lib, corpus.names().get(i), "text", x.text, ref.text, same, differences);
        compare(lib, corpus.names().get(i), "html", x.html, ref.html, same, differences);
        compare(lib, corpus.names().get(i), "attachments", x.attachments, ref.attachments, same, differences);
      }
      ObjectNode n = agreement.putObject(lib);
      n.put("failures", failures);
      same.forEach(n::put);
      System.out.println(lib + " vs ours (messages agreeing per field, of " + corpus.messages().size() + "): "
          + same + ", failures " + failures);
    }

    // Hostile mail: time or failure of each library.
    ObjectNode hostile = report.putObject("hostile");
    Map<String, Supplier<byte[]>> cases = new LinkedHashMap<>();
    cases.put("depth 10,000", () -> deep(10_000));
    cases.put("100,000 parts", () -> parts(100_000));
    cases.put("100,000 RFC 2231 sections", () -> rfc2231(100_000));
    cases.put("1 MB Subject", () -> ("Subject: " + "x".repeat(1 << 20) + "\r\n\r\nbody")
        .getBytes(StandardCharsets.US_ASCII));
    cases.put("1 MB of ';' in To", () -> ("From: a@x.test\r\nTo: " + ";".repeat(1 << 20) + "\r\n\r\nbody")
        .getBytes(StandardCharsets.US_ASCII));
    ExecutorService exec = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "hostile");
      t.setDaemon(true);
      return t;
    });
    for (var c : cases.entrySet()) {
      byte[] message = c.getValue().get();
      ObjectNode row = hostile.putObject(c.getKey());
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s", c.getKey()));
      for (var lib : libraries.entrySet()) {
        String outcome = hostileRun(exec, lib.getValue(), message);
        row.put(lib.getKey(), outcome);
        line.append(String.format(Locale.ROOT, " | %-10s %-28s", lib.getKey(), outcome));
      }
      System.out.println(line);
    }
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    System.out.println("report: " + out.toAbsolutePath().normalize());
    System.exit(0); // a hostile run that timed out may still be spinning
  }

  private static void compare(String lib, String message, String field, Object x, Object ref,
      Map<String, Integer> same, ArrayNode differences) {
    if (Objects.equals(x, ref)) {
      same.merge(field, 1, Integer::sum);
    } else {
      same.merge(field, 0, Integer::sum);
      differences.addObject().put("library", lib).put("message", message).put("field", field)
          .put("value", String.valueOf(x)).put("ours", String.valueOf(ref));
    }
  }

  private static double throughput(Function<byte[], Extract> lib, List<byte[]> messages, int warmup, int seconds) {
    long sink = 0;
    for (long end = System.nanoTime() + warmup * 1_000_000_000L; System.nanoTime() < end; ) {
      sink += pass(lib, messages);
    }
    long n = 0;
    long start = System.nanoTime();
    long now;
    do {
      sink += pass(lib, messages);
      n += messages.size();
      now = System.nanoTime();
    } while (now - start < seconds * 1_000_000_000L);
    if (sink == 42) {
      System.out.print("");
    }
    return n * 1e9 / (now - start);
  }

  private static long pass(Function<byte[], Extract> lib, List<byte[]> messages) {
    long sink = 0;
    for (byte[] m : messages) {
      try {
        Extract e = lib.apply(m);
        sink += e.attachments.size() + (e.text == null ? 0 : e.text.length());
      } catch (RuntimeException failed) {
        sink++;
      }
    }
    return sink;
  }

  private static String hostileRun(ExecutorService exec, Function<byte[], Extract> lib, byte[] message) {
    long t0 = System.nanoTime();
    Future<Extract> f = exec.submit(() -> lib.apply(message));
    try {
      f.get(60, TimeUnit.SECONDS);
      return String.format(Locale.ROOT, "ok %,d ms", (System.nanoTime() - t0) / 1_000_000);
    } catch (TimeoutException e) {
      f.cancel(true);
      return "no result after 60 s";
    } catch (Exception e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return c.getClass().getSimpleName() + String.format(Locale.ROOT, " after %,d ms",
          (System.nanoTime() - t0) / 1_000_000);
    } catch (StackOverflowError e) {
      return "StackOverflowError";
    }
  }

  // ---- the three extractions ----------------------------------------------------------------

  static Extract ours(byte[] m) {
    MessageDocument d = OURS.normalize(new RawMessage("c", "INBOX", 1, 1, List.of(), -1, -1, m, null, 0));
    List<String> atts = new ArrayList<>();
    d.attachments().forEach(a -> atts.add(a.filename() + "|" + a.contentType() + "|" + a.size()));
    return new Extract(d.subject(), d.from().isEmpty() ? null : d.from().get(0).name(),
        d.from().isEmpty() ? null : d.from().get(0).address(), d.to().size(), d.date() < 0 ? null : d.date(),
        d.messageId(), firstText(d.bodyText()), d.bodyHtml() != null, atts);
  }

  /** The pre-existing approach: mime4j's DOM with a permissive config and the entity getters. */
  static Extract mime4j(byte[] m) {
    DefaultMessageBuilder builder = new DefaultMessageBuilder();
    builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
    builder.setDecodeMonitor(DecodeMonitor.SILENT);
    try (InputStream in = new ByteArrayInputStream(m)) {
      Message msg = builder.parseMessage(in);
      Mailbox from = msg.getFrom() == null || msg.getFrom().isEmpty() ? null : msg.getFrom().get(0);
      String[] text = {null};
      boolean[] html = {false};
      List<String> atts = new ArrayList<>();
      walkMime4j(msg, text, html, atts);
      String mid = msg.getMessageId();
      return new Extract(msg.getSubject(), from == null ? null : from.getName(),
          from == null ? null : from.getAddress(), msg.getTo() == null ? 0 : msg.getTo().flatten().size(),
          msg.getDate() == null ? null : msg.getDate().getTime(),
          mid == null ? null : mid.replaceAll("^\\s*<|>\\s*$", ""), firstText(text[0]), html[0], atts);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void walkMime4j(Entity e, String[] text, boolean[] html, List<String> atts) throws IOException {
    Body body = e.getBody();
    if (body instanceof org.apache.james.mime4j.dom.Multipart mp) {
      for (Entity child : mp.getBodyParts()) {
        walkMime4j(child, text, html, atts);
      }
      return;
    }
    String type = e.getMimeType();
    boolean attachment = "attachment".equalsIgnoreCase(e.getDispositionType()) || e.getFilename() != null;
    if (!attachment && body instanceof TextBody tb && type.equals("text/plain")) {
      try (Reader r = tb.getReader()) {
        String t = readAll(r);
        text[0] = text[0] == null ? t : text[0] + "\n" + t; // all text parts, as ours
      }
      return;
    }
    if (!attachment && type.equals("text/html")) {
      html[0] = true;
      return;
    }
    long size = -1;
    if (body instanceof SingleBody sb) {
      try (InputStream in = sb.getInputStream()) {
        size = in.transferTo(OutputStreamSink.INSTANCE);
      }
    } else if (body instanceof Message inner) {
      ByteArrayOutputStream bo = new ByteArrayOutputStream();
      new org.apache.james.mime4j.message.DefaultMessageWriter().writeMessage(inner, bo);
      size = bo.size();
    }
    atts.add(e.getFilename() + "|" + type + "|" + size);
  }

  /** Angus Mail (Jakarta Mail 2.1): MimeMessage and its part API. */
  static Extract angus(byte[] m) {
    try {
      MimeMessage msg = new MimeMessage(SESSION, new ByteArrayInputStream(m));
      InternetAddress from = null;
      try {
        var f = msg.getFrom();
        from = f == null || f.length == 0 ? null : (InternetAddress) f[0];
      } catch (jakarta.mail.internet.AddressException bad) {
        from = null;
      }
      int to;
      try {
        var t = msg.getRecipients(RecipientType.TO);
        to = t == null ? 0 : t.length;
      } catch (jakarta.mail.internet.AddressException bad) {
        to = 0;
      }
      String[] text = {null};
      boolean[] html = {false};
      List<String> atts = new ArrayList<>();
      walkAngus(msg, text, html, atts);
      String mid = msg.getMessageID();
      return new Extract(msg.getSubject(), from == null ? null : from.getPersonal(),
          from == null ? null : from.getAddress(), to, msg.getSentDate() == null ? null : msg.getSentDate().getTime(),
          mid == null ? null : mid.replaceAll("^\\s*<|>\\s*$", ""), firstText(text[0]), html[0], atts);
    } catch (jakarta.mail.MessagingException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void walkAngus(Part p, String[] text, boolean[] html, List<String> atts)
      throws jakarta.mail.MessagingException, IOException {
    if (p.isMimeType("multipart/*")) {
      Multipart mp = (Multipart) p.getContent();
      for (int i = 0; i < mp.getCount(); i++) {
        BodyPart bp = mp.getBodyPart(i);
        walkAngus(bp, text, html, atts);
      }
      return;
    }
    String filename = p.getFileName();
    boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(p.getDisposition()) || filename != null;
    if (!attachment && p.isMimeType("text/plain")) {
      Object c = p.getContent();
      String t = c instanceof String s ? s : "";
      text[0] = text[0] == null ? t : text[0] + "\n" + t; // all text parts, as ours
      return;
    }
    if (!attachment && p.isMimeType("text/html")) {
      html[0] = true;
      return;
    }
    long size;
    try (InputStream in = p.getInputStream()) {
      size = in.transferTo(OutputStreamSink.INSTANCE);
    }
    String type = p.getContentType() == null ? null
        : p.getContentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    atts.add(filename + "|" + type + "|" + size);
  }

  /** Text bodies compared by their first 2,000 characters, line ends normalized. */
  private static String firstText(String s) {
    if (s == null) {
      return null;
    }
    String t = s.replace("\r\n", "\n").strip();
    return t.length() > 2000 ? t.substring(0, 2000) : t;
  }

  private static String readAll(Reader r) throws IOException {
    StringBuilder sb = new StringBuilder();
    char[] buf = new char[4096];
    int n;
    while ((n = r.read(buf)) >= 0) {
      sb.append(buf, 0, n);
    }
    return sb.toString();
  }

  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {
      // counted by transferTo
    }

    @Override
    public void write(byte[] b, int off, int len) {
      // counted by transferTo
    }
  }

  // ---- hostile mail ------------------------------------------------------------------------

  static byte[] deep(int depth) {
    StringBuilder sb = new StringBuilder("From: a@x.test\r\nSubject: deep\r\n");
    for (int i = 0; i < depth; i++) {
      sb.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i)
          .append("\r\n");
    }
    sb.append("Content-Type: text/plain\r\n\r\nbottom\r\n");
    for (int i = depth - 1; i >= 0; i--) {
      sb.append("--b").append(i).append("--\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] parts(int n) {
    StringBuilder sb = new StringBuilder("From: a@x.test\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
    for (int i = 0; i < n; i++) {
      sb.append("--p\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n");
    }
    return sb.append("--p--\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] rfc2231(int n) {
    StringBuilder sb = new StringBuilder("From: a@x.test\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment");
    for (int i = 0; i < n; i++) {
      sb.append(";\r\n filename*").append(i).append("*=abc%41");
    }
    return sb.append("\r\n\r\nx\r\n--b--\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }
}
