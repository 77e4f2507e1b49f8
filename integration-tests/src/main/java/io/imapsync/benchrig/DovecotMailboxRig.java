package io.imapsync.benchrig;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.bench.SyntheticMail;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.model.Json;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private Dovecot holding one mailbox of N messages, for initial-sync benchmarks (ours and
 * peers', against the same server): starts Dovecot, APPENDs the messages, prints one JSON line
 * {@code {"type":"ready","host","port","user","password","messages","bytes"}} and keeps Dovecot
 * running until its standard input closes (or reads {@code quit}).
 *
 * <p>{@code java -cp loadsim.jar io.imapsync.benchrig.DovecotMailboxRig --messages 20000 [--corpus DIR]}
 * Messages are generated conversations ({@link SyntheticMail}), or taken in turn from a corpus
 * directory (each given a Message-ID of its own, so repeats stay distinct messages).
 */
public final class DovecotMailboxRig {
  private static final String USER = "bench";
  private static final String PASSWORD = "bench-pw";
  private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:[^\\r\\n]*(\\r?\\n[ \\t][^\\r\\n]*)*\\r?\\n");

  private DovecotMailboxRig() {}

  public static void main(String[] args) throws Exception {
    int messages = 10_000;
    Path corpus = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--messages" -> messages = Integer.parseInt(args[++i]);
        case "--corpus" -> corpus = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--messages N, --corpus DIR)");
      }
    }
    List<byte[]> pool = corpus == null ? List.of() : load(corpus);
    try (DovecotServer dovecot = DovecotServer.start(DovecotServer.options().user(USER, PASSWORD))) {
      long bytes = fill(dovecot, messages, pool);
      ObjectNode ready = Json.MAPPER.createObjectNode().put("type", "ready").put("host", dovecot.host())
          .put("port", dovecot.port()).put("user", USER).put("password", PASSWORD).put("messages", messages)
          .put("bytes", bytes);
      System.out.println(Json.MAPPER.writeValueAsString(ready));
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.strip().equals("quit")) {
        // only quit (or the end of input) means anything
      }
    }
  }

  private static long fill(DovecotServer dovecot, int messages, List<byte[]> pool) throws Exception {
    Properties props = new Properties();
    props.put("mail.imap.host", dovecot.host());
    props.put("mail.imap.port", Integer.toString(dovecot.port()));
    Session session = Session.getInstance(props);
    long bytes = 0;
    try (Store store = session.getStore("imap")) {
      store.connect(USER, PASSWORD);
      Folder inbox = store.getFolder("INBOX");
      List<Message> batch = new ArrayList<>(500);
      for (int n = 1; n <= messages; n++) {
        byte[] raw = pool.isEmpty() ? SyntheticMail.message(USER, n) : withMessageId(pool.get((n - 1) % pool.size()), n);
        bytes += raw.length;
        batch.add(new MimeMessage(session, new ByteArrayInputStream(raw)));
        if (batch.size() == 500 || n == messages) {
          inbox.appendMessages(batch.toArray(Message[]::new));
          batch.clear();
        }
      }
    }
    return bytes;
  }

  private static byte[] withMessageId(byte[] raw, int n) {
    String text = new String(raw, StandardCharsets.ISO_8859_1); // byte-preserving
    int end = text.indexOf("\r\n\r\n");
    end = end < 0 ? text.indexOf("\n\n") : end;
    String header = end < 0 ? text : text.substring(0, end);
    String rest = end < 0 ? "" : text.substring(end);
    header = MESSAGE_ID.matcher(header + "\r\n").replaceFirst("");
    String out = "Message-ID: <c" + n + ".rig@bench.test>\r\n" + header.stripTrailing() + rest;
    return out.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static List<byte[]> load(Path dir) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        if (!p.getFileName().toString().startsWith(".") && !p.getFileName().toString().endsWith(".md")) {
          out.add(Files.readAllBytes(p));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no messages under " + dir);
    }
    return out;
  }
}
