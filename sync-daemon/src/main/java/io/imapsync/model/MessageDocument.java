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

  /** Identifiers and sizes only: no subject, address or body ever reaches a log through this. */
  @Override
  public String toString() {
    return "MessageDocument[id=" + id + ", account=" + accountId + ", mailbox=" + mailbox + ", uid=" + uid
        + ", size=" + size + ", attachments=" + (attachments == null ? 0 : attachments.size())
        + ", warnings=" + (parseWarnings == null ? 0 : parseWarnings.size()) + "]";
  }

  /** The same message with new IMAP flags, and the booleans derived from them. */
  public MessageDocument withFlags(List<String> newFlags) {
    return new MessageDocument(id, accountId, conversationId, mailbox, uidvalidity, uid, messageId,
        inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt,
        !hasFlag(newFlags, "\\Seen"), hasFlag(newFlags, "\\Flagged"), hasFlag(newFlags, "\\Answered"),
        hasFlag(newFlags, "\\Draft"), List.copyOf(newFlags), gmailLabels, size, inbound, blurb, bodyText, bodyHtml,
        truncated, hasAttachments, attachments, headers, parseWarnings);
  }

  private static boolean hasFlag(List<String> flags, String flag) {
    return flags.stream().anyMatch(f -> f.equalsIgnoreCase(flag));
  }

  public MessageDocument withConversationId(String conversationId) {
    return new MessageDocument(id, accountId, conversationId, mailbox, uidvalidity, uid, messageId,
        inReplyTo, references, subject, from, sender, replyTo, to, cc, bcc, date, receivedAt, unread,
        starred, answered, draft, flags, gmailLabels, size, inbound, blurb, bodyText, bodyHtml, truncated,
        hasAttachments, attachments, headers, parseWarnings);
  }
}
