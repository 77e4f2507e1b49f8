package io.imapsync.normalize;

import io.imapsync.model.Attachment;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.address.MailboxList;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * Raw message octets plus IMAP metadata to {@link MessageDocument}. Never throws for bad mail:
 * whatever is broken is recorded in {@code parse_warnings} and the rest is kept. CPU-bound: run
 * it on the worker pool, never on an event loop.
 *
 * <p>mime4j with a permissive config was chosen over Jakarta Mail's {@code MimeMessage}: about
 * five times faster on a 274 KB multipart (FIELD-NOTES) and lenient by design.
 */
public final class MessageNormalizer {
  /** Deeper MIME trees are not walked: real mail nests a handful of levels. */
  static final int MAX_MIME_DEPTH = 32;
  static final int MAX_PARTS = 1_000;
  private static final List<String> KEPT_HEADERS = List.of(
      "List-Id", "List-Unsubscribe", "Auto-Submitted", "Precedence", "X-Mailer", "User-Agent");

  private final NormalizerOptions options;

  public MessageNormalizer(NormalizerOptions options) {
    this.options = options;
  }

  public MessageDocument normalize(RawMessage raw) {
    List<String> warnings = new ArrayList<>();
    Message message = parse(raw.content(), warnings);
    Parts parts = new Parts();
    if (message != null) {
      walk(message, 0, parts, warnings);
    }
    String messageId = message == null ? null : MessageIds.first(headerValue(message, "Message-ID"));
    List<String> references = message == null ? List.of() : MessageIds.all(headerValue(message, "References"));
    String inReplyTo = message == null ? null : MessageIds.first(headerValue(message, "In-Reply-To"));
    String subject = message == null ? null : safe(() -> message.getSubject(), warnings, "subject");
    List<EmailAddress> from = message == null ? List.of() : mailboxes(safe(message::getFrom, warnings, "from"));
    List<EmailAddress> sender = message == null || message.getSender() == null ? List.of()
        : List.of(address(message.getSender()));
    List<EmailAddress> replyTo = message == null ? List.of() : addresses(safe(message::getReplyTo, warnings, "reply-to"));
    List<EmailAddress> to = message == null ? List.of() : addresses(safe(message::getTo, warnings, "to"));
    List<EmailAddress> cc = message == null ? List.of() : addresses(safe(message::getCc, warnings, "cc"));
    List<EmailAddress> bcc = message == null ? List.of() : addresses(safe(message::getBcc, warnings, "bcc"));
    long date = -1;
    if (message != null) {
      var d = safe(message::getDate, warnings, "date");
      if (d != null) {
        date = d.getTime();
      } else if (message.getHeader() != null && message.getHeader().getField("Date") != null) {
        warnings.add("unparseable Date header; using INTERNALDATE");
      }
    }
    if (date < 0) {
      date = raw.internalDate();
    }

    String text = parts.text == null ? null : truncate(parts.text, options.maxBodyTextChars());
    String html = parts.html == null ? null : truncate(parts.html, options.maxBodyHtmlChars());
    boolean truncated = (parts.text != null && parts.text.length() > options.maxBodyTextChars())
        || (parts.html != null && parts.html.length() > options.maxBodyHtmlChars());
    String blurbSource = text != null ? text : html != null ? HtmlText.toText(html) : "";
    List<String> flags = raw.flags() == null ? List.of() : raw.flags();
    boolean inbound = from.stream().noneMatch(a -> a.address() != null
        && options.ownAddresses().contains(a.address().toLowerCase(Locale.ROOT)));

    Map<String, String> headers = new LinkedHashMap<>();
    if (message != null) {
      for (String h : KEPT_HEADERS) {
        String v = headerValue(message, h);
        if (v != null) {
          headers.put(h.toLowerCase(Locale.ROOT), v.length() > 1000 ? v.substring(0, 1000) : v);
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
        raw.size() >= 0 ? raw.size() : raw.content().length,
        inbound,
        Blurbs.of(blurbSource, options.blurbChars()),
        text,
        html,
        truncated,
        !parts.attachments.isEmpty(),
        parts.attachments,
        headers,
        warnings);
  }

  /**
   * An id that survives moves and UIDVALIDITY resets: the server's EMAILID or X-GM-MSGID when it
   * has one, else the Message-ID with a hash of the content (two different messages may share a
   * Message-ID; the same message in two folders has the same octets).
   */
  static String stableId(RawMessage raw, String messageId) {
    if (raw.emailId() != null) {
      return "e" + sha256Hex(("emailid\0" + raw.emailId()).getBytes(StandardCharsets.UTF_8)).substring(0, 23);
    }
    if (raw.gmailMessageId() > 0) {
      return "g" + Long.toUnsignedString(raw.gmailMessageId(), 16);
    }
    String contentHash = sha256Hex(raw.content());
    String basis = "msgid\0" + (messageId == null ? "" : messageId) + "\0" + contentHash;
    return "m" + sha256Hex(basis.getBytes(StandardCharsets.UTF_8)).substring(0, 23);
  }

  private static Message parse(byte[] content, List<String> warnings) {
    DefaultMessageBuilder builder = new DefaultMessageBuilder();
    builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
    builder.setDecodeMonitor(DecodeMonitor.SILENT);
    try (InputStream in = new ByteArrayInputStream(content)) {
      return builder.parseMessage(in);
    } catch (IOException | RuntimeException e) {
      warnings.add("unparseable message: " + e.getClass().getSimpleName());
      return null;
    }
  }

  private static final class Parts {
    String text;
    String html;
    int count;
    final List<Attachment> attachments = new ArrayList<>();
  }

  private void walk(Entity entity, int depth, Parts parts, List<String> warnings) {
    if (++parts.count > MAX_PARTS) {
      if (parts.count == MAX_PARTS + 1) {
        warnings.add("more than " + MAX_PARTS + " MIME parts; the rest ignored");
      }
      return;
    }
    if (depth > MAX_MIME_DEPTH) {
      warnings.add("MIME nesting deeper than " + MAX_MIME_DEPTH + "; inner parts ignored");
      return;
    }
    Body body = entity.getBody();
    if (body instanceof Multipart mp) {
      for (Entity child : mp.getBodyParts()) {
        walk(child, depth + 1, parts, warnings);
      }
      return;
    }
    if (body instanceof Message inner) {
      attachment(entity, sizeOf(body), parts);
      return;
    }
    String mime = entity.getMimeType() == null ? "text/plain" : entity.getMimeType().toLowerCase(Locale.ROOT);
    String disposition = entity.getDispositionType();
    boolean isAttachmentDisposition = "attachment".equalsIgnoreCase(disposition);
    if (!isAttachmentDisposition && entity.getFilename() == null
        && (mime.equals("text/plain") || mime.equals("text/html")) && body instanceof SingleBody sb) {
      String decoded = decodeText(sb, entity.getCharset(), warnings);
      if (mime.equals("text/plain")) {
        parts.text = parts.text == null ? decoded : parts.text + "\n" + decoded;
      } else if (parts.html == null) {
        parts.html = decoded;
      }
      return;
    }
    attachment(entity, sizeOf(body), parts);
  }

  private static void attachment(Entity entity, long size, Parts parts) {
    String cid = entity.getHeader() == null || entity.getHeader().getField("Content-ID") == null ? null
        : MessageIds.first(entity.getHeader().getField("Content-ID").getBody());
    boolean inline = "inline".equalsIgnoreCase(entity.getDispositionType()) || (cid != null
        && entity.getDispositionType() == null);
    parts.attachments.add(new Attachment(entity.getFilename(),
        entity.getMimeType() == null ? "application/octet-stream" : entity.getMimeType().toLowerCase(Locale.ROOT),
        size, cid, inline));
  }

  private static long sizeOf(Body body) {
    if (body instanceof SingleBody sb) {
      try {
        return sb.size();
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return -1;
  }

  private static String decodeText(SingleBody body, String charsetName, List<String> warnings) {
    byte[] bytes;
    try (InputStream in = body.getInputStream()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      warnings.add("unreadable text part: " + e.getClass().getSimpleName());
      return "";
    }
    return new String(bytes, Charsets.lookup(charsetName, warnings));
  }

  private static String headerValue(Message m, String name) {
    if (m.getHeader() == null) {
      return null;
    }
    Field f = m.getHeader().getField(name);
    return f == null ? null : f.getBody();
  }

  private static List<EmailAddress> mailboxes(MailboxList list) {
    if (list == null) {
      return List.of();
    }
    List<EmailAddress> out = new ArrayList<>(list.size());
    for (Mailbox m : list) {
      out.add(address(m));
    }
    return out;
  }

  private static List<EmailAddress> addresses(AddressList list) {
    if (list == null) {
      return List.of();
    }
    List<EmailAddress> out = new ArrayList<>(list.size());
    for (Address a : list) {
      if (a instanceof Mailbox m) {
        out.add(address(m));
      } else if (a instanceof Group g) {
        for (Mailbox m : g.getMailboxes()) {
          out.add(address(m));
        }
      }
    }
    return out;
  }

  private static EmailAddress address(Mailbox m) {
    String name = m.getName();
    String local = m.getLocalPart();
    String domain = m.getDomain();
    String addr = domain == null ? local : local + "@" + domain.toLowerCase(Locale.ROOT);
    return new EmailAddress(name == null || name.isBlank() ? null : name.strip(), addr);
  }

  private static boolean hasFlag(List<String> flags, String flag) {
    for (String f : flags) {
      if (f.equalsIgnoreCase(flag)) {
        return true;
      }
    }
    return false;
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private interface Getter<T> {
    T get();
  }

  private static <T> T safe(Getter<T> getter, List<String> warnings, String what) {
    try {
      return getter.get();
    } catch (RuntimeException e) {
      warnings.add("unparseable " + what + " header");
      return null;
    }
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
