package io.imapsync.model;

/** A message's summary inside a conversation (the full message lives under its own key). */
public record ConversationMessage(
    String id,
    String mailbox,
    long uid,
    EmailAddress from,
    long date,
    String subject,
    String blurb,
    boolean unread,
    boolean starred,
    boolean hasAttachments) {}
