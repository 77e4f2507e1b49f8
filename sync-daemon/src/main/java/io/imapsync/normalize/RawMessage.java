package io.imapsync.normalize;

import java.util.List;

/**
 * What the sync engine hands to normalization: the message octets and the IMAP metadata.
 *
 * @param internalDate INTERNALDATE in epoch milliseconds, or -1
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
    long gmailMessageId) {}
