package io.imapsync.conversation;

import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.Sha256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Builds MessageDocuments for threading tests: only what threading reads is set. */
final class Mail {
  static final long DAY = 24L * 3600 * 1000;
  static final long T0 = 1_750_000_000_000L;

  private String id;
  private String messageId;
  private String inReplyTo;
  private List<String> references = List.of();
  private String subject;
  private List<EmailAddress> from = List.of(new EmailAddress("Bob", "bob@example.test"));
  private List<EmailAddress> to = List.of(new EmailAddress("Alice", "alice@example.test"));
  private List<EmailAddress> cc = List.of();
  private long date = T0;
  private String mailbox = "INBOX";
  private long uid = 1;
  private List<String> flags = List.of();
  private boolean inbound = true;
  private String blurb;
  private boolean attachments;

  static Mail msg(String messageId) {
    Mail m = new Mail();
    m.messageId = messageId;
    m.id = "m" + Sha256.hexPrefix("doc\0" + messageId, 24).substring(0, 23);
    m.blurb = "text of " + messageId;
    m.subject = "about " + messageId;
    return m;
  }

  /** A second message with the same Message-ID but other content (another document id). */
  Mail docId(String docId) {
    this.id = docId;
    return this;
  }

  Mail refs(String... ids) {
    this.references = Arrays.asList(ids);
    return this;
  }

  Mail irt(String id) {
    this.inReplyTo = id;
    return this;
  }

  Mail subject(String s) {
    this.subject = s;
    return this;
  }

  Mail from(String address) {
    this.from = List.of(new EmailAddress(null, address));
    return this;
  }

  Mail to(String... addresses) {
    List<EmailAddress> l = new ArrayList<>();
    for (String a : addresses) {
      l.add(new EmailAddress(null, a));
    }
    this.to = l;
    return this;
  }

  Mail cc(String... addresses) {
    List<EmailAddress> l = new ArrayList<>();
    for (String a : addresses) {
      l.add(new EmailAddress(null, a));
    }
    this.cc = l;
    return this;
  }

  Mail date(long epochMs) {
    this.date = epochMs;
    return this;
  }

  Mail day(double days) {
    this.date = T0 + (long) (days * DAY);
    return this;
  }

  Mail uid(long uid) {
    this.uid = uid;
    return this;
  }

  Mail mailbox(String mailbox) {
    this.mailbox = mailbox;
    return this;
  }

  Mail flags(String... flags) {
    this.flags = List.of(flags);
    return this;
  }

  Mail outbound() {
    this.inbound = false;
    return this;
  }

  Mail blurb(String blurb) {
    this.blurb = blurb;
    return this;
  }

  Mail attachment() {
    this.attachments = true;
    return this;
  }

  MessageDocument build() {
    boolean seen = flags.stream().anyMatch(f -> f.equalsIgnoreCase("\\Seen"));
    boolean flagged = flags.stream().anyMatch(f -> f.equalsIgnoreCase("\\Flagged"));
    return new MessageDocument(id, "alice", null, mailbox, 1, uid, null, messageId, inReplyTo, references, subject,
        from, List.of(), List.of(), to, cc, List.of(), date, date, !seen, flagged, false, false, flags, List.of(), 100,
        inbound, blurb, blurb, null, false, attachments, List.of(), Map.of(), List.of());
  }
}
