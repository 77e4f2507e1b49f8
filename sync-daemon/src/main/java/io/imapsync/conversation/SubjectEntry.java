package io.imapsync.conversation;

import java.util.List;

/**
 * One message in the base-subject index (the {@code subjects} hash, see docs/redis-keys.md):
 * enough to decide a subject join without reading the message.
 *
 * @param m the message id
 * @param c its conversation id
 * @param t its date, epoch ms
 * @param p hashes of its participants' addresses (From, To, Cc; the account's own left out)
 */
public record SubjectEntry(String m, String c, long t, List<String> p) {
  public SubjectEntry {
    p = p == null ? List.of() : List.copyOf(p);
  }

  SubjectEntry withConversation(String conversationId) {
    return new SubjectEntry(m, conversationId, t, p);
  }
}
