package io.imapsync.conversation;

import java.util.List;

/**
 * What the server says about a message's conversation, carried next to the message (not inside
 * {@code MessageDocument}): Gmail's X-GM-THRID and X-GM-LABELS, or the THREADID of RFC 8474
 * (OBJECTID). When a server thread id is present it decides the conversation; References and
 * subjects are not consulted.
 *
 * @param threadKey {@code #gm:<decimal X-GM-THRID>} or {@code #tid:<THREADID>}, or null; never
 *     contains '@', so it cannot collide with a Message-ID in the thread index
 * @param labels    Gmail labels (X-GM-LABELS) as the server sent them; empty if none
 */
public record ServerHints(String threadKey, List<String> labels) {
  public static final ServerHints NONE = new ServerHints(null, List.of());

  public ServerHints {
    labels = labels == null ? List.of() : List.copyOf(labels);
    if (threadKey != null && (threadKey.isEmpty() || threadKey.indexOf('@') >= 0)) {
      throw new IllegalArgumentException("server thread key must be non-empty and free of '@'");
    }
  }

  /**
   * From FETCH items: {@code gmailThreadId} (X-GM-THRID, unsigned 64-bit; 0 or -1 when absent),
   * {@code threadId} (THREADID, or null; RFC 8474 says NIL when the server does not thread).
   */
  public static ServerHints of(long gmailThreadId, String threadId, List<String> gmailLabels) {
    String key = null;
    if (gmailThreadId != 0 && gmailThreadId != -1) {
      key = "#gm:" + Long.toUnsignedString(gmailThreadId);
    } else if (threadId != null && !threadId.isBlank() && !threadId.equalsIgnoreCase("NIL")
        && threadId.indexOf('@') < 0) {
      key = "#tid:" + threadId;
    }
    if (key == null && (gmailLabels == null || gmailLabels.isEmpty())) {
      return NONE;
    }
    return new ServerHints(key, gmailLabels);
  }
}
