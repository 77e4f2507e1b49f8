package io.imapsync.model;

import java.util.List;
import java.util.Map;

/**
 * A message as the feed publishes it (docs/schemas/message.schema.json; every field is described
 * in docs/normalization.md). Field names are snake_case in JSON. {@code id} is stable across
 * folders and UIDVALIDITY resets.
 */
public record MessageDocument(
    String id,
    String accountId,
    String conversationId,
    String mailbox,
    long uidvalidity,
    long uid,
    List<MessageLocation> locations,
    String messageId,
    String inReplyTo,
    List<String> references,
    String subject,
    List<EmailAddress> from,
    List<EmailAddress> sender,
    List<EmailAddress> replyTo,
    List<EmailAddress> to,
    List<EmailAddress> cc,
    List<EmailAddress> bcc,
    long date,
    long receivedAt,
    boolean unread,
    boolean starred,
    boolean answered,
    boolean draft,
    List<String> flags,
    List<String> gmailLabels,
    long size,
    boolean inbound,
    String blurb,
    String bodyText,
    String bodyHtml,
    boolean truncated,
    boolean hasAttachments,
    List<Attachment> attachments,
    Map<String, String> headers,
    List<String> parseWarnings) {

  /** Documents written before locations existed have one: where the document says it is. */
  public MessageDocument {
    if (locations == null || locations.isEmpty()) {
      locations = mailbox == null ? List.of() : List.of(new MessageLocation(mailbox, uidvalidity, uid, receivedAt));
    } else {
      locations = List.copyOf(locations);
    }
  }

  /** Identifiers and sizes only: no subject, address or body ever reaches a log through this. */
  @Override
  public String toString() {
    return "MessageDocument[id=" + id + ", account=" + accountId + ", mailbox=" + mailbox + ", uid=" + uid
        + ", size=" + size + ", attachments=" + (attachments == null ? 0 : attachments.size())
        + ", warnings=" + (parseWarnings == null ? 0 : parseWarnings.size()) + "]";
  }

  /** The same message with new IMAP flags, and the booleans derived from them. */
  public MessageDocument withFlags(List<String> newFlags) {
    return new MessageDocument(id, accountId, conversationId, mailbox, uidvalidity, uid, locations, messageId,
        inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt,
        !hasFlag(newFlags, "\\Seen"), hasFlag(newFlags, "\\Flagged"), hasFlag(newFlags, "\\Answered"),
        hasFlag(newFlags, "\\Draft"), List.copyOf(newFlags), gmailLabels, size, inbound, blurb, bodyText, bodyHtml,
        truncated, hasAttachments, attachments, headers, parseWarnings);
  }

  /** The same message with new Gmail labels (X-GM-LABELS). */
  public MessageDocument withGmailLabels(List<String> labels) {
    return new MessageDocument(id, accountId, conversationId, mailbox, uidvalidity, uid, locations, messageId,
        inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt, unread,
        starred, answered, draft, flags, List.copyOf(labels), size, inbound, blurb, bodyText, bodyHtml, truncated,
        hasAttachments, attachments, headers, parseWarnings);
  }

  private static boolean hasFlag(List<String> flags, String flag) {
    return flags.stream().anyMatch(f -> f.equalsIgnoreCase(flag));
  }

  /**
   * The same message in other places; the first location is the primary one ({@code mailbox},
   * {@code uid}). Never empty: a message with no location left is deleted, not rewritten.
   */
  public MessageDocument withLocations(List<MessageLocation> places) {
    if (places.isEmpty()) {
      throw new IllegalArgumentException("a message needs at least one location");
    }
    MessageLocation p = places.get(0);
    return new MessageDocument(id, accountId, conversationId, p.mailbox(), p.uidvalidity(), p.uid(), places,
        messageId, inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt, unread,
        starred, answered, draft, flags, gmailLabels, size, inbound, blurb, bodyText, bodyHtml, truncated,
        hasAttachments, attachments, headers, parseWarnings);
  }

  /** The distinct folders holding this message, primary first. */
  public List<String> mailboxNames() {
    return locations.stream().map(MessageLocation::mailbox).distinct().toList();
  }

  public MessageDocument withConversationId(String conversationId) {
    return new MessageDocument(id, accountId, conversationId, mailbox, uidvalidity, uid, locations, messageId,
        inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt, unread,
        starred, answered, draft, flags, gmailLabels, size, inbound, blurb, bodyText, bodyHtml, truncated,
        hasAttachments, attachments, headers, parseWarnings);
  }
}
