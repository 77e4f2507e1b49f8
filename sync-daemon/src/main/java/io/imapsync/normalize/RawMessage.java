package io.imapsync.normalize;

import java.util.List;

/**
 * What the sync engine hands to normalization: the message octets and the IMAP metadata.
 *
 * @param internalDate   INTERNALDATE in epoch milliseconds, or -1
 * @param size           RFC822.SIZE, or -1 (then the length of {@code content} is used)
 * @param emailId        EMAILID (RFC 8474), or null
 * @param gmailMessageId X-GM-MSGID (unsigned), or 0 or -1 when there is none
 * @param gmailLabels    X-GM-LABELS as the server sent them (modified UTF-7 allowed), or null / empty
 */
public record RawMessage(
    String accountId,
    String mailbox,
    long uidValidity,
    long uid,
    List<String> flags,
    long internalDate,
    long size,
    byte[] content,
    String emailId,
    long gmailMessageId,
    List<String> gmailLabels) {

  /** Without Gmail labels (servers without X-GM-EXT-1). */
  public RawMessage(String accountId, String mailbox, long uidValidity, long uid, List<String> flags,
      long internalDate, long size, byte[] content, String emailId, long gmailMessageId) {
    this(accountId, mailbox, uidValidity, uid, flags, internalDate, size, content, emailId, gmailMessageId, null);
  }
}
