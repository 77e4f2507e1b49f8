package io.imapsync.model;

import java.util.List;

/**
 * A conversation as the feed publishes it (docs/schemas/conversation.schema.json). Messages are
 * summaries, oldest first and newest last. {@code version} grows by one on every change.
 */
public record ConversationDocument(
    String id,
    String accountId,
    String subject,
    String summary,
    long updatedAt,
    int numMessages,
    boolean unread,
    boolean starred,
    boolean hasAttachments,
    List<Participant> participants,
    Participant contact,
    List<String> mailboxes,
    List<String> labels,
    List<ConversationMessage> messages,
    long version) {}
