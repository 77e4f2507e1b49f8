package io.imapsync.model;

import java.util.List;

/**
 * A message's summary inside a conversation (the full message lives under its own key).
 * {@code mailbox} and {@code uid} are its primary location; {@code mailboxes} every folder holding it.
 */
public record ConversationMessage(
    String id,
    String mailbox,
    List<String> mailboxes,
    long uid,
    EmailAddress from,
    long date,
    String subject,
    String blurb,
    boolean unread,
    boolean starred,
    boolean hasAttachments) {

  public ConversationMessage {
    mailboxes = mailboxes == null ? (mailbox == null ? List.of() : List.of(mailbox)) : List.copyOf(mailboxes);
  }
}
