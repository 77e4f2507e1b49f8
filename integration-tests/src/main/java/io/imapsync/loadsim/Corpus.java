package io.imapsync.loadsim;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParameterList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Real messages to serve instead of generated ones: every regular file under a directory is one
 * message (.eml files, maildir entries), except files that start with an mbox "From " line, which
 * are split into their messages. Each is parsed once at load (Jakarta Mail, leniently): line ends
 * become CRLF, and its ENVELOPE, BODYSTRUCTURE and part sections ({@code BODY[1.2]},
 * {@code BODY[2.MIME]}) are kept ready, so a FETCH only concatenates bytes. The corpus is held in
 * memory, about twice its size.
 *
 * <p>Folders take corpus messages in order from a per-folder offset, so a folder no larger than
 * the corpus holds no message twice and keeps the original Message-IDs (and reply trees).
 * Delivered messages get a Message-ID of their own (the original moves to
 * {@code X-Loadsim-Original-Message-ID}) and the {@value Stamps#HEADER} header.
 */
final class Corpus {
  private final List<Entry> entries;

  private Corpus(List<Entry> entries) {
    this.entries = entries;
  }

  int size() {
    return entries.size();
  }

  static Corpus load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("corpus " + dir + " is not a directory");
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
    }
    Session session = Session.getInstance(lenient());
    List<Entry> entries = new ArrayList<>();
    for (Path f : files) {
      byte[] bytes = Files.readAllBytes(f);
      for (byte[] raw : startsWithFromLine(bytes) ? splitMbox(bytes) : List.of(bytes)) {
        byte[] crlf = crlf(raw);
        if (crlf.length > 0) {
          entries.add(Entry.parse(session, crlf, dir.relativize(f).toString()));
        }
      }
    }
    if (entries.isEmpty()) {
      throw new IOException("corpus " + dir + " holds no message");
    }
    return new Corpus(List.copyOf(entries));
  }

  private static Properties lenient() {
    Properties p = new Properties();
    p.put("mail.mime.address.strict", "false");
    p.put("mail.mime.parameters.strict", "false");
    p.put("mail.mime.decodetext.strict", "false");
    return p;
  }

  /**
   * The message at {@code uid} of a folder whose first corpus message is {@code offset};
   * {@code messageId} replaces the original for a delivery ({@code stampMicros} ≠ 0).
   */
  Message message(long offset, int uid, long stampMicros, String deliveredId, String origin) {
    Entry e = entries.get((int) Math.floorMod(offset + uid - 1, (long) entries.size()));
    StringBuilder top = new StringBuilder(200);
    String messageId = e.messageId;
    if (stampMicros != 0) {
      messageId = deliveredId;
      top.append("Message-ID: ").append(deliveredId).append("\r\n");
      if (e.messageId != null) {
        top.append("X-Loadsim-Original-Message-ID: ").append(e.messageId).append("\r\n");
      }
      top.append(Stamps.HEADER).append(": ").append(stampMicros).append("\r\n");
    } else if (e.messageId != null) {
      top.append("Message-ID: ").append(e.messageId).append("\r\n");
    }
    top.append("X-Loadsim-Origin: ").append(origin).append(" corpus ").append(e.source).append("\r\n");
    byte[] ours = top.toString().getBytes(StandardCharsets.ISO_8859_1); // header octets as chars
    byte[] raw = new byte[ours.length + e.header.length + e.body.length];
    System.arraycopy(ours, 0, raw, 0, ours.length);
    System.arraycopy(e.header, 0, raw, ours.length, e.header.length);
    System.arraycopy(e.body, 0, raw, ours.length + e.header.length, e.body.length);
    StringBuilder envelope = new StringBuilder(e.envelopeHead).append(' ');
    ImapStrings.nstringRaw(envelope, messageId);
    envelope.append(')');
    return new Served(raw, ours.length + e.header.length, envelope.toString(), e);
  }

  private record Served(byte[] raw, int headerLength, String envelope, Entry entry) implements Message {
    @Override
    public String bodyStructure(boolean extended) {
      return extended ? entry.bodyStructure : entry.bodyNoExtension;
    }

    @Override
    public byte[] section(String part) {
      return entry.sections.get(part);
    }
  }

  /** One corpus message: its header without Message-ID (ending in the blank line), body, and what FETCH needs. */
  private static final class Entry {
    final String source;
    final String messageId;
    final byte[] header;
    final byte[] body;
    /** ENVELOPE up to and without the message-id, which depends on how the message is served. */
    final String envelopeHead;
    final String bodyStructure;
    final String bodyNoExtension;
    final Map<String, byte[]> sections;

    private Entry(String source, String messageId, byte[] header, byte[] body, String envelopeHead,
        String bodyStructure, String bodyNoExt, Map<String, byte[]> sections) {
      this.source = source;
      this.messageId = messageId;
      this.header = header;
      this.body = body;
      this.envelopeHead = envelopeHead;
      this.bodyStructure = bodyStructure;
      this.bodyNoExtension = bodyNoExt;
      this.sections = sections;
    }

    static Entry parse(Session session, byte[] raw, String source) {
      int split = headerEnd(raw);
      byte[] head = java.util.Arrays.copyOfRange(raw, 0, split);
      byte[] body = java.util.Arrays.copyOfRange(raw, split, raw.length);
      String messageId = null;
      ByteArrayOutputStream kept = new ByteArrayOutputStream(head.length);
      for (byte[] field : fields(head)) {
        String text = new String(field, StandardCharsets.ISO_8859_1);
        if (text.regionMatches(true, 0, "Message-ID:", 0, 11)) {
          messageId = text.substring(11).replaceAll("\\s+", " ").trim();
        } else {
          kept.writeBytes(field);
        }
      }
      kept.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      Map<String, byte[]> sections = new HashMap<>();
      String structure;
      String structureNoExt;
      String envelopeHead;
      try {
        MimeMessage m = new MimeMessage(session, new ByteArrayInputStream(raw));
        envelopeHead = envelopeHead(m);
        structure = structure(m, "", sections, true);
        structureNoExt = structure(m, "", new HashMap<>(), false);
      } catch (MessagingException | IOException | RuntimeException e) {
        // Too broken to parse: served as one opaque text part.
        envelopeHead = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL";
        structureNoExt = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" " + body.length + " " + lines(body) + ")";
        structure = structureNoExt.substring(0, structureNoExt.length() - 1) + " NIL NIL NIL NIL)";
        sections.put("1", body);
      }
      return new Entry(source, messageId, kept.toByteArray(), body, envelopeHead, structure, structureNoExt,
          Map.copyOf(sections));
    }

    /** date subject from sender reply-to to cc bcc in-reply-to, as ENVELOPE lists them. */
    private static String envelopeHead(MimeMessage m) throws MessagingException {
      StringBuilder sb = new StringBuilder("(");
      ImapStrings.nstringRaw(sb, m.getHeader("Date", null));
      sb.append(' ');
      ImapStrings.nstringRaw(sb, m.getHeader("Subject", null));
      String from = m.getHeader("From", ",");
      String sender = m.getHeader("Sender", ",");
      String replyTo = m.getHeader("Reply-To", ",");
      for (String h : new String[] {from, sender == null ? from : sender, replyTo == null ? from : replyTo,
          m.getHeader("To", ","), m.getHeader("Cc", ","), m.getHeader("Bcc", ",")}) {
        sb.append(' ');
        addresses(sb, h);
      }
      sb.append(' ');
      ImapStrings.nstringRaw(sb, m.getHeader("In-Reply-To", " "));
      return sb.toString();
    }

    private static void addresses(StringBuilder sb, String header) {
      if (header == null) {
        sb.append("NIL");
        return;
      }
      Address[] list;
      try {
        list = InternetAddress.parseHeader(header, false);
      } catch (AddressException e) {
        sb.append("NIL");
        return;
      }
      if (list.length == 0) {
        sb.append("NIL");
        return;
      }
      sb.append('(');
      for (Address a : list) {
        InternetAddress ia = (InternetAddress) a;
        String addr = ia.getAddress() == null ? "" : ia.getAddress();
        int at = addr.lastIndexOf('@');
        String personal = ia.getPersonal();
        if (personal != null && !personal.chars().allMatch(c -> c < 0x7f)) {
          try {
            personal = MimeUtility.encodeWord(personal, "UTF-8", "Q"); // as the header would carry it
          } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
          }
        }
        sb.append('(');
        ImapStrings.nstring(sb, personal);
        sb.append(" NIL ");
        ImapStrings.nstring(sb, at < 0 ? addr : addr.substring(0, at));
        sb.append(' ');
        ImapStrings.nstring(sb, at < 0 ? null : addr.substring(at + 1));
        sb.append(')');
      }
      sb.append(')');
    }

    /**
     * BODYSTRUCTURE (or BODY) of a part; {@code path} is its section number ("" for the
     * message), and the raw octets of every part go into {@code sections} as they are found.
     */
    private static String structure(Part p, String path, Map<String, byte[]> sections, boolean ext)
        throws MessagingException, IOException {
      ContentType ct = contentType(p);
      if (ct.match("multipart/*") && p.getContent() instanceof Multipart mp) {
        if (!path.isEmpty()) {
          sections.put(path, rawContent(p));
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < mp.getCount(); i++) {
          BodyPart child = mp.getBodyPart(i);
          String childPath = path.isEmpty() ? Integer.toString(i + 1) : path + "." + (i + 1);
          sections.put(childPath + ".MIME", headerLines((MimeBodyPart) child));
          sb.append(structure(child, childPath, sections, ext));
        }
        sb.append(' ').append(ImapStrings.quoted(ct.getSubType().toUpperCase(Locale.ROOT)));
        if (ext) {
          sb.append(' ').append(params(ct.getParameterList())).append(" NIL NIL NIL");
        }
        return sb.append(')').toString();
      }
      byte[] octets = rawContent(p);
      sections.put(path.isEmpty() ? "1" : path, octets);
      StringBuilder sb = new StringBuilder("(");
      sb.append(ImapStrings.quoted(ct.getPrimaryType().toUpperCase(Locale.ROOT))).append(' ')
          .append(ImapStrings.quoted(ct.getSubType().toUpperCase(Locale.ROOT))).append(' ')
          .append(params(ct.getParameterList())).append(' ');
      ImapStrings.nstring(sb, header(p, "Content-ID"));
      sb.append(' ');
      ImapStrings.nstring(sb, header(p, "Content-Description"));
      String enc = header(p, "Content-Transfer-Encoding");
      sb.append(' ').append(ImapStrings.quoted(enc == null ? "7BIT" : enc.trim().toUpperCase(Locale.ROOT)));
      sb.append(' ').append(octets.length);
      if (ct.match("message/rfc822")) {
        MimeMessage inner = new MimeMessage(Session.getInstance(lenient()), new ByteArrayInputStream(octets));
        sb.append(' ').append(envelopeHead(inner)).append(' ');
        ImapStrings.nstringRaw(sb, inner.getHeader("Message-ID", null));
        sb.append(") ").append(structure(inner, path.isEmpty() ? "1" : path, new HashMap<>(), ext));
        sb.append(' ').append(lines(octets));
      } else if (ct.match("text/*")) {
        sb.append(' ').append(lines(octets));
      }
      if (ext) {
        sb.append(" NIL ");
        String disposition = p.getDisposition();
        if (disposition == null) {
          sb.append("NIL");
        } else {
          sb.append('(').append(ImapStrings.quoted(disposition.toUpperCase(Locale.ROOT))).append(' ');
          String filename = p.getFileName();
          sb.append(filename == null ? "NIL" : "(\"FILENAME\" " + ImapStrings.quoted(filename) + ")").append(')');
        }
        sb.append(" NIL NIL");
      }
      return sb.append(')').toString();
    }

    private static ContentType contentType(Part p) throws MessagingException {
      try {
        return new ContentType(p.getContentType() == null ? "text/plain" : p.getContentType());
      } catch (jakarta.mail.internet.ParseException e) {
        return new ContentType("text/plain");
      }
    }

    private static String header(Part p, String name) throws MessagingException {
      String[] v = p.getHeader(name);
      return v == null || v.length == 0 ? null : v[0];
    }

    private static String params(ParameterList list) {
      if (list == null || list.size() == 0) {
        return "NIL";
      }
      StringBuilder sb = new StringBuilder("(");
      Enumeration<String> names = list.getNames();
      boolean first = true;
      while (names.hasMoreElements()) {
        String n = names.nextElement();
        sb.append(first ? "" : " ").append(ImapStrings.quoted(n.toUpperCase(Locale.ROOT))).append(' ')
            .append(ImapStrings.quoted(String.valueOf(list.get(n))));
        first = false;
      }
      return sb.append(')').toString();
    }

    private static byte[] rawContent(Part p) throws MessagingException, IOException {
      InputStream in = p instanceof MimeBodyPart b ? b.getRawInputStream() : ((MimeMessage) p).getRawInputStream();
      try (in) {
        return in.readAllBytes();
      }
    }

    private static byte[] headerLines(MimeBodyPart p) throws MessagingException {
      StringBuilder sb = new StringBuilder();
      Enumeration<String> lines = p.getAllHeaderLines();
      while (lines.hasMoreElements()) {
        sb.append(lines.nextElement()).append("\r\n");
      }
      return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  private static int lines(byte[] b) {
    int n = 0;
    for (byte x : b) {
      if (x == '\n') {
        n++;
      }
    }
    return b.length > 0 && b[b.length - 1] != '\n' ? n + 1 : n;
  }

  /** Offset just past the blank line that ends the header (or the whole, if there is none). */
  private static int headerEnd(byte[] raw) {
    if (raw.length >= 2 && raw[0] == '\r' && raw[1] == '\n') {
      return 2;
    }
    for (int i = 0; i + 3 < raw.length; i++) {
      if (raw[i] == '\r' && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n') {
        return i + 4;
      }
    }
    return raw.length;
  }

  /** The header's fields, each with its continuation lines and CRLFs; the blank line is left out. */
  private static List<byte[]> fields(byte[] head) {
    List<byte[]> out = new ArrayList<>();
    int end = head.length;
    if (end >= 4 && head[end - 4] == '\r' && head[end - 3] == '\n' && head[end - 2] == '\r' && head[end - 1] == '\n') {
      end -= 2;
    } else if (end == 2) {
      return out;
    }
    int start = 0;
    int i = 0;
    while (i < end) {
      int lf = i;
      while (lf < end && head[lf] != '\n') {
        lf++;
      }
      i = Math.min(lf + 1, end);
      if (i >= end || (head[i] != ' ' && head[i] != '\t')) {
        out.add(java.util.Arrays.copyOfRange(head, start, i));
        start = i;
      }
    }
    return out;
  }

  private static boolean startsWithFromLine(byte[] b) {
    return b.length > 5 && b[0] == 'F' && b[1] == 'r' && b[2] == 'o' && b[3] == 'm' && b[4] == ' ';
  }

  /** mboxrd: messages start at "From " lines; "&gt;From " in a body loses one "&gt;". */
  private static List<byte[]> splitMbox(byte[] b) {
    List<byte[]> out = new ArrayList<>();
    String text = new String(b, StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream cur = null;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("From ")) {
        if (cur != null) {
          out.add(cur.toByteArray());
        }
        cur = new ByteArrayOutputStream();
        continue;
      }
      if (cur == null) {
        continue;
      }
      String l = line.matches(">+From .*") ? line.substring(1) : line;
      cur.writeBytes((l + "\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    if (cur != null) {
      out.add(cur.toByteArray());
    }
    return out;
  }

  /** Every line end as CRLF; trailing blank lines of an mbox message dropped. */
  private static byte[] crlf(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + raw.length / 40);
    for (int i = 0; i < raw.length; i++) {
      byte c = raw[i];
      if (c == '\r' && i + 1 < raw.length && raw[i + 1] == '\n') {
        continue; // the LF writes the pair
      }
      if (c == '\n' || c == '\r') {
        out.write('\r');
        out.write('\n');
      } else {
        out.write(c);
      }
    }
    byte[] b = out.toByteArray();
    int n = b.length;
    while (n >= 4 && b[n - 1] == '\n' && b[n - 2] == '\r' && b[n - 3] == '\n' && b[n - 4] == '\r') {
      n -= 2;
    }
    return n == b.length ? b : java.util.Arrays.copyOf(b, n);
  }
}
