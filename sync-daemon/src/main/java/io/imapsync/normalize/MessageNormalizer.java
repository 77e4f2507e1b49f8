package io.imapsync.normalize;

import io.imapsync.imap.protocol.ModifiedUtf7;
import io.imapsync.model.Attachment;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * Raw message octets plus IMAP metadata to {@link MessageDocument}. Never throws for bad mail:
 * whatever is broken or beyond a bound is recorded in {@code parse_warnings} and the rest is kept.
 * CPU-bound: run it on the worker pool, never on an event loop. Thread-safe (no shared mutable
 * state). docs/normalization.md describes every field, bound and warning.
 *
 * <p>mime4j's pull parser ({@link MimeTokenStream}) does the MIME framing; we walk its events with
 * our own bounds and parse the header fields we use ourselves (addresses, dates, parameters,
 * encoded-words), because mime4j's parsers for those have unbounded costs or lossy results on
 * hostile mail (see each class). Nothing is built as a tree: memory is the input plus the bounded
 * output.
 *
 * <ul>
 *   <li>Depth: multiparts nested deeper than {@link NormalizerLimits#maxMimeDepth()} are not split
 *       ({@link RecursionMode#M_FLAT}); mime4j stacks one boundary stream per level and overflows
 *       the stack near 10,000 levels, and its cost grows with depth times size.
 *   <li>Parts: parsing stops after {@link NormalizerLimits#maxParts()} parts.
 *   <li>Attached messages ({@code message/rfc822}) are listed as attachments and not parsed.
 * </ul>
 */
public final class MessageNormalizer {
  /**
   * mime4j without its own limits: each of them aborts the whole parse with an exception, where we
   * want to skip what is beyond a bound and keep the rest. Ours are applied while walking. The
   * input is already in memory and bounded by the IMAP literal limit, so mime4j's buffering of a
   * long line or field is bounded by the message size.
   */
  static final MimeConfig MIME_CONFIG = MimeConfig.custom()
      .setMaxLineLen(-1)
      .setMaxHeaderCount(-1)
      .setMaxHeaderLen(-1)
      .setMaxContentLen(-1)
      .setMalformedHeaderStartsBody(false)
      .build();

  /** Headers kept in {@code headers} (lower-case names), when present. */
  public static final List<String> KEPT_HEADERS = List.of(
      "list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post", "auto-submitted", "precedence",
      "x-auto-response-suppress", "x-mailer", "user-agent", "x-priority", "importance");
  private static final Set<String> KEPT = Set.copyOf(KEPT_HEADERS);
  /** At most this many occurrences of To, Cc or Bcc are merged. */
  private static final int MAX_DUPLICATE_ADDRESS_FIELDS = 16;
  private static final int MAX_FLAGS = 256;

  private final NormalizerOptions options;

  public MessageNormalizer(NormalizerOptions options) {
    this.options = options;
  }

  public MessageDocument normalize(RawMessage raw) {
    Warnings warnings = new Warnings(options.warnings());
    byte[] content = raw.content();
    if (content == null) {
      warnings.add(WarningKind.MIME, "message without content");
      content = new byte[0];
    }
    Walk walk = new Walk(options, warnings);
    walk.run(content);
    NormalizerLimits limits = options.limits();
    Map<String, String> top = walk.top;

    String messageId = MessageIds.first(top.get("message-id"));
    List<String> references = MessageIds.all(top.get("references"));
    String inReplyTo = MessageIds.first(top.get("in-reply-to"));
    String subject = null;
    if (top.containsKey("subject")) {
      String decoded = EncodedWords.decode(top.get("subject"), warnings, "Subject");
      boolean[] controls = {false};
      subject = Text.line(decoded, Integer.MAX_VALUE, false, controls);
      if (controls[0]) {
        warnings.add(WarningKind.HEADER, "control characters removed from Subject");
      }
      if (subject != null && subject.length() > limits.maxHeaderChars()) {
        warnings.add(WarningKind.LIMIT, "Subject longer than " + limits.maxHeaderChars() + " characters; cut");
        subject = Text.cut(subject, limits.maxHeaderChars());
      }
    }

    AddressBudget budget = new AddressBudget(limits, warnings);
    List<EmailAddress> from = budget.parse("From", top.get("from"));
    List<EmailAddress> sender = budget.parse("Sender", top.get("sender"));
    List<EmailAddress> replyTo = budget.parse("Reply-To", top.get("reply-to"));
    List<EmailAddress> to = budget.parse("To", walk.addressFields.getOrDefault("to", List.of()));
    List<EmailAddress> cc = budget.parse("Cc", walk.addressFields.getOrDefault("cc", List.of()));
    List<EmailAddress> bcc = budget.parse("Bcc", walk.addressFields.getOrDefault("bcc", List.of()));

    long date = date(top.get("date"), raw.internalDate(), warnings);

    String text = walk.text.result();
    String html = walk.html.result();
    boolean truncated = walk.textTruncated;
    if (text != null && text.length() > options.maxBodyTextChars()) {
      text = Text.cut(text, options.maxBodyTextChars());
      truncated = true;
    }
    if (html != null && html.length() > options.maxBodyHtmlChars()) {
      html = Text.cut(html, options.maxBodyHtmlChars());
      truncated = true;
    }
    String blurb = text == null ? "" : Blurbs.of(text, options.blurbChars());
    if (blurb.isEmpty() && html != null) {
      blurb = Blurbs.of(HtmlText.toText(html, options.blurbChars() * 40), options.blurbChars());
    }

    List<String> flags = new ArrayList<>();
    if (raw.flags() != null) {
      for (String f : raw.flags()) {
        if (f != null && flags.size() < MAX_FLAGS) {
          flags.add(f);
        }
      }
    }
    List<String> labels = new ArrayList<>();
    if (raw.gmailLabels() != null) {
      for (String l : raw.gmailLabels()) {
        String label = l == null ? null : Text.line(ModifiedUtf7.decode(l), limits.maxNameChars(), false, null);
        if (label != null && labels.size() < MAX_FLAGS) {
          labels.add(label);
        }
      }
    }
    Set<String> own = options.ownAddresses();
    boolean inbound = from.stream().noneMatch(a -> a.address() != null
        && own.contains(a.address().toLowerCase(Locale.ROOT)));

    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : KEPT_HEADERS) {
      String v = top.get(h);
      if (v != null) {
        String clean = Text.line(EncodedWords.decode(v, warnings, h), limits.maxHeaderChars(), false, null);
        if (clean != null) {
          headers.put(h, clean);
        }
      }
    }

    return new MessageDocument(
        stableId(raw, messageId),
        raw.accountId(),
        null,
        raw.mailbox(),
        raw.uidValidity(),
        raw.uid(),
        null,
        messageId,
        inReplyTo,
        references,
        subject,
        from, sender, replyTo, to, cc, bcc,
        date,
        raw.internalDate(),
        !hasFlag(flags, "\\Seen"),
        hasFlag(flags, "\\Flagged"),
        hasFlag(flags, "\\Answered"),
        hasFlag(flags, "\\Draft"),
        flags,
        labels,
        raw.size() >= 0 ? raw.size() : content.length,
        inbound,
        blurb,
        text,
        html,
        truncated,
        walk.hasAttachments,
        walk.attachments,
        headers,
        warnings.toList());
  }

  /**
   * An id that survives moves and UIDVALIDITY resets: the server's EMAILID or X-GM-MSGID when it
   * has one, else the Message-ID with a hash of the content (two different messages may share a
   * Message-ID; the same message in two folders has the same octets).
   */
  static String stableId(RawMessage raw, String messageId) {
    if (raw.emailId() != null) {
      return "e" + Sha256.hexPrefix("emailid\0" + raw.emailId(), 24).substring(0, 23);
    }
    // X-GM-MSGID is unsigned 64-bit (a negative long above 2^63); 0 and -1 mean "none" (FetchData
    // reports an absent number as -1)
    if (raw.gmailMessageId() != 0 && raw.gmailMessageId() != -1) {
      return "g" + Long.toUnsignedString(raw.gmailMessageId(), 16);
    }
    String contentHash = Sha256.hex(raw.content() == null ? new byte[0] : raw.content());
    String basis = "msgid\0" + (messageId == null ? "" : messageId) + "\0" + contentHash;
    return "m" + Sha256.hexPrefix(basis, 24).substring(0, 23);
  }

  private static long date(String value, long internalDate, Warnings warnings) {
    String fallback = internalDate >= 0 ? "; INTERNALDATE used" : "";
    if (value == null) {
      warnings.add(WarningKind.DATE, "no Date header" + fallback);
      return internalDate;
    }
    Dates.Parsed d = Dates.parse(value);
    if (d == null) {
      String shown = Text.line(value, 60, false, null);
      warnings.add(WarningKind.DATE, "unparseable Date header '" + (shown == null ? "" : shown) + "'" + fallback);
      return internalDate;
    }
    if (d.zoneMissing()) {
      warnings.add(WarningKind.DATE, "Date header without time zone; UTC assumed");
    }
    return d.epochMillis();
  }

  /** Addresses of all fields together stop at {@link NormalizerLimits#maxAddresses()}. */
  private static final class AddressBudget {
    private final NormalizerLimits limits;
    private final Warnings warnings;
    private int left;
    private boolean capped;

    AddressBudget(NormalizerLimits limits, Warnings warnings) {
      this.limits = limits;
      this.warnings = warnings;
      this.left = limits.maxAddresses();
    }

    List<EmailAddress> parse(String header, String value) {
      return value == null ? List.of() : parse(header, List.of(value));
    }

    List<EmailAddress> parse(String header, List<String> values) {
      List<EmailAddress> out = new ArrayList<>();
      for (String v : values) {
        if (v == null) {
          continue;
        }
        Addresses.Parsed p = Addresses.parse(v, header, left, limits.maxNameChars(), warnings);
        out.addAll(p.addresses());
        left -= p.addresses().size();
        if (p.capped() && !capped) {
          capped = true;
          warnings.add(WarningKind.LIMIT, "more than " + limits.maxAddresses() + " addresses; the rest dropped");
        }
      }
      return List.copyOf(out);
    }
  }

  /** One walk over the token stream: the top-level header fields, bodies and attachments. */
  private static final class Walk {
    private final NormalizerOptions options;
    private final NormalizerLimits limits;
    private final Warnings warnings;
    final Map<String, String> top = new HashMap<>();
    final Map<String, List<String>> addressFields = new HashMap<>();
    final PartsText text;
    final PartsText html;
    boolean textTruncated;
    int textOctets;
    final List<Attachment> attachments = new ArrayList<>();
    int attachmentCount;
    boolean hasAttachments;
    private int parts = 1; // the root
    private int topFields;
    private final Deque<String> containers = new ArrayDeque<>(); // open multiparts, innermost first
    Walk(NormalizerOptions options, Warnings warnings) {
      this.options = options;
      this.limits = options.limits();
      this.warnings = warnings;
      this.text = new PartsText(options.maxBodyTextChars());
      this.html = new PartsText(options.maxBodyHtmlChars());
    }

    void run(byte[] content) {
      PartDescriptor.Context ctx = new PartDescriptor.Context(limits, warnings);
      MimeTokenStream ts = new MimeTokenStream(MIME_CONFIG, new Monitor(warnings),
          new EmptyTolerantFieldBuilder(), new PartDescriptor.Builder(ctx, null));
      ts.setRecursionMode(RecursionMode.M_NO_RECURSE);
      ts.parse(new ByteArrayInputStream(content));
      boolean inTopHeader = true;
      try {
        walk:
        for (EntityState state = ts.getState(); state != EntityState.T_END_OF_STREAM; state = ts.next()) {
          switch (state) {
            case T_START_HEADER -> ts.setRecursionMode(containers.size() >= limits.maxMimeDepth()
                ? RecursionMode.M_FLAT : RecursionMode.M_NO_RECURSE);
            case T_START_BODYPART -> {
              if (++parts > limits.maxParts()) {
                warnings.add(WarningKind.LIMIT, "more than " + limits.maxParts() + " MIME parts; the rest ignored");
                break walk;
              }
            }
            case T_FIELD -> {
              if (inTopHeader) {
                topField(ts.getField());
              }
            }
            case T_END_HEADER -> inTopHeader = false;
            case T_START_MULTIPART -> containers.push(((PartDescriptor) ts.getBodyDescriptor()).mimeType());
            case T_END_MULTIPART -> containers.poll();
            case T_BODY -> body(ts, (PartDescriptor) ts.getBodyDescriptor());
            default -> {
              // preamble, epilogue, start/end events: nothing to do
            }
          }
        }
      } catch (MimeException | IOException | RuntimeException e) {
        warnings.add(WarningKind.MIME, "MIME structure unreadable after part " + parts + " (" + e.getClass().getSimpleName()
            + "); the rest ignored");
      } finally {
        ts.stop();
      }
    }

    private void topField(Field field) {
      if (++topFields > limits.maxHeaderFields()) {
        if (topFields == limits.maxHeaderFields() + 1) {
          warnings.add(WarningKind.LIMIT, "more than " + limits.maxHeaderFields() + " header fields; the rest ignored");
        }
        return;
      }
      String name = HeaderFields.name(field);
      switch (name) {
        case "from", "sender", "reply-to", "subject", "date", "message-id", "in-reply-to", "references" -> {
          if (top.containsKey(name)) {
            if (!name.equals("references") && !name.equals("in-reply-to")) {
              warnings.add(WarningKind.HEADER, "duplicate " + HeaderFields.displayName(field.getName()) + " header; the first used");
            }
            return;
          }
          top.put(name, HeaderFields.value(field, limits, warnings));
        }
        case "to", "cc", "bcc" -> {
          List<String> values = addressFields.computeIfAbsent(name, k -> new ArrayList<>(1));
          if (values.size() == 1) {
            warnings.add(WarningKind.HEADER, "duplicate " + HeaderFields.displayName(field.getName()) + " header; merged");
          }
          if (values.size() < MAX_DUPLICATE_ADDRESS_FIELDS) {
            values.add(HeaderFields.value(field, limits, warnings));
          }
        }
        default -> {
          if (KEPT.contains(name) && !top.containsKey(name)) {
            top.put(name, HeaderFields.value(field, limits, warnings));
          }
        }
      }
    }

    private void body(MimeTokenStream ts, PartDescriptor d) throws IOException {
      if (d.isMultipart()) {
        // only when M_FLAT stopped the recursion
        warnings.add(WarningKind.LIMIT, "MIME nesting deeper than " + limits.maxMimeDepth() + " levels; inner parts ignored");
        return;
      }
      String type = d.mimeType();
      boolean attachmentDisposition = "attachment".equals(d.disposition());
      boolean inlineDisposition = "inline".equals(d.disposition());
      boolean textType = type.equals("text/plain") || type.equals("text/html");
      boolean root = containers.isEmpty();
      if (textType && !attachmentDisposition && (d.filename() == null || root)) {
        readText(ts.getDecodedInputStream(), d, type);
        return;
      }
      if (textType && inlineDisposition) {
        // "inline; filename=fix.patch": shown in the body and listed, as inline
        long size = readText(ts.getDecodedInputStream(), d, type);
        attachment(d, size, true);
        return;
      }
      long size = drain(ts.getDecodedInputStream());
      if (size == 0 && type.startsWith("message/")) {
        warnings.add(WarningKind.MIME, "empty " + type + " part");
      }
      boolean inRelated = "multipart/related".equals(containers.peek());
      boolean inline = !attachmentDisposition && (inRelated || (inlineDisposition && d.filename() == null));
      attachment(d, size, inline);
    }

    /** Appends a text part to body_text or body_html within the text budget; returns its decoded size. */
    private long readText(InputStream in, PartDescriptor d, String type) throws IOException {
      int budget = limits.maxTextOctets() - textOctets;
      ReadBuffers buffers = ReadBuffers.get();
      int read = buffers.readUpTo(in, Math.max(0, budget));
      byte[] bytes = buffers.text();
      textOctets += read;
      long size = read;
      long rest = drain(in);
      if (rest > 0) {
        size += rest;
        textTruncated = true;
        warnings.add(WarningKind.LIMIT, "body text beyond " + limits.maxTextOctets() + " octets not read");
      }
      if (budget <= 0) {
        return size; // nothing of this part was read
      }
      // an empty part still makes the body "" rather than absent
      String s = Charsets.decode(bytes, 0, read, d.charset(), warnings, type + " part");
      if (s.indexOf('\0') >= 0) {
        warnings.add(WarningKind.MIME, "NUL characters removed from a " + type + " part");
        s = Text.withoutNul(s);
      }
      (type.equals("text/plain") ? text : html).add(s);
      return size;
    }

    private void attachment(PartDescriptor d, long size, boolean inline) {
      attachmentCount++;
      if (!inline) {
        hasAttachments = true;
      }
      if (attachments.size() >= limits.maxAttachments()) {
        if (attachmentCount == limits.maxAttachments() + 1) {
          warnings.add(WarningKind.LIMIT, "more than " + limits.maxAttachments() + " attachments; the rest not listed");
        }
        return;
      }
      attachments.add(new Attachment(d.filename(), Text.cut(d.mimeType(), limits.maxNameChars()), size,
          d.contentId(), inline));
    }

    /** Reads to the end, counting octets. */
    private long drain(InputStream in) throws IOException {
      byte[] scratch = ReadBuffers.get().scratch();
      long total = 0;
      int r;
      while ((r = in.read(scratch)) >= 0) {
        total += r;
      }
      return total;
    }
  }

  /** mime4j's complaints, as parse warnings; the per-line noise of lenient decoding is dropped. */
  private static final class Monitor extends DecodeMonitor {
    private final Warnings warnings;

    Monitor(Warnings warnings) {
      this.warnings = warnings;
    }

    @Override
    public boolean isListening() {
      return true;
    }

    @Override
    public boolean warn(String error, String dropDesc) {
      String w = describe(error);
      if (w != null) {
        warnings.add(WarningKind.MIME, w);
      }
      return false; // never abort: lenient
    }

    private static String describe(String e) {
      if (e == null) {
        return null;
      }
      if (e.contains("Body part ended prematurely")) {
        return "a multipart ends without its closing boundary";
      }
      if (e.contains("Unexpected end of headers")) {
        return "a header block ends without an empty line";
      }
      if (e.contains("Invalid header")) {
        return "invalid header line ignored";
      }
      if (e.startsWith("Unexpected base64 byte")) {
        return "invalid characters in a base64 part ignored";
      }
      if (e.startsWith("Unexpected end of BASE64") || e.startsWith("Unexpected padding")) {
        return "a base64 part ends in the middle of a group";
      }
      if (e.startsWith("Malformed encoded value") || e.startsWith("Unexpected ==")) {
        return "malformed quoted-printable escapes kept as they are";
      }
      // "Obsolete header", "ignored blanks", "Found CR without LF", "Found LF without CR",
      // "Found non-standard soft line break": harmless, not worth a warning
      return null;
    }
  }

  private static boolean hasFlag(List<String> flags, String flag) {
    for (String f : flags) {
      if (f.equalsIgnoreCase(flag)) {
        return true;
      }
    }
    return false;
  }
}
