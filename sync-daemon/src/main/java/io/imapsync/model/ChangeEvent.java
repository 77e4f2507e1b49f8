package io.imapsync.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One change in the feed (docs/schemas/event.schema.json). {@code id} is derived from what changed,
 * so a change emitted twice (after a crash) carries the same id and consumers can drop the copy.
 * {@code epoch} is the owner epoch of the writer (fencing token).
 */
public record ChangeEvent(
    String id,
    String type,
    String accountId,
    long time,
    EventPosition position,
    long epoch,
    JsonNode payload) {

  public static final String MESSAGE_CREATED = "message.created";
  public static final String CONVERSATION_UPDATED = "conversation.updated";
  public static final String MESSAGE_UPDATED = "message.updated";
  /** A message left one watched folder for another; payload: docs/schemas/message-moved.schema.json. */
  public static final String MESSAGE_MOVED = "message.moved";
  public static final String MESSAGE_DELETED = "message.deleted";
  public static final String CONVERSATION_DELETED = "conversation.deleted";
  public static final String MAILBOX_RESET = "mailbox.reset";
  public static final String ACCOUNT_STATE = "account.state";
  /** A late message linked two conversations; payload: docs/schemas/conversation-merged.schema.json. */
  public static final String CONVERSATION_MERGED = "conversation.merged";
}
