package io.imapsync.imap.protocol;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** One complete server response, typed. The parser never returns a partial one. */
public sealed interface ImapResponse {

  /** {@code tag OK|NO|BAD [code] text}: completes the command with that tag. */
  record Tagged(String tag, Condition condition, ResponseCode code, String text) implements ImapResponse {
    public boolean ok() {
      return condition == Condition.OK;
    }
  }

  /** {@code + text}: the server waits for more of the current command (literal, IDLE, SASL). */
  record Continuation(String text) implements ImapResponse {}

  /** {@code * OK|NO|BAD|PREAUTH|BYE [code] text}. */
  record Status(Condition condition, ResponseCode code, String text) implements ImapResponse {}

  record Capabilities(Set<String> capabilities) implements ImapResponse {}

  record Enabled(Set<String> capabilities) implements ImapResponse {}

  record Flags(List<String> flags) implements ImapResponse {}

  record Exists(long count) implements ImapResponse {}

  record Recent(long count) implements ImapResponse {}

  record Expunge(long sequence) implements ImapResponse {}

  /** RFC 7162 VANISHED; {@code earlier} marks the (EARLIER) form, which shifts no sequence numbers. */
  record Vanished(boolean earlier, UidSet uids) implements ImapResponse {}

  record Fetch(long sequence, FetchData data) implements ImapResponse {}

  /** SEARCH results, with the RFC 7162 (MODSEQ n) when present (else -1). */
  record Search(long[] numbers, long modSeq) implements ImapResponse {}

  /** RFC 4731 ESEARCH: the tag it correlates to (or null), UID or not, and return data by name. */
  record ESearch(String tag, boolean uid, Map<String, String> data) implements ImapResponse {}

  record MailboxStatus(String mailbox, Map<String, Long> attributes) implements ImapResponse {}

  record ListEntry(boolean lsub, List<String> attributes, String delimiter, String mailbox)
      implements ImapResponse {}

  record Namespace(ImapValue personal, ImapValue otherUsers, ImapValue shared) implements ImapResponse {}

  record Id(Map<String, String> fields) implements ImapResponse {}

  /** RFC 5256 THREAD: one tree per thread ({@link ThreadTree}). */
  record Thread(List<ThreadTree> threads) implements ImapResponse {}

  /** Anything we do not model; kept raw (control characters escaped) so it can be logged once. */
  record Unknown(String raw) implements ImapResponse {}
}
