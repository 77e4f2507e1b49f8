package io.imapsync.conversation;

import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What threading needs to know about one message, derived once.
 *
 * @param docId        the message's stable id (message document id)
 * @param ownId        its Message-ID when valid, else null
 * @param links        the ids it replies to, as RFC 5256 REFERENCES reads them: every valid
 *                     References id in order, or (only when References has none) the first valid
 *                     In-Reply-To id; never the message's own id
 * @param serverKey    the server's thread key ({@link ServerHints#threadKey()}), or null
 * @param subjectField the base-subject index field, or null when the message takes no part in
 *                     subject joining (empty base subject, unknown date, or threaded by the server)
 * @param date         its date (epoch ms; -1 unknown)
 * @param participants hashed addresses for the shared-participant rule
 * @param labels       IMAP keywords and server labels it carries
 */
record ThreadFacts(String docId, String ownId, List<String> links, String serverKey, String subjectField,
    long date, List<String> participants, List<String> labels) {

  /** IMAP keywords that describe protocol state, not a user's label. Lower case. */
  private static final Set<String> PROTOCOL_KEYWORDS = Set.of("$forwarded", "$mdnsent", "$junk", "$notjunk",
      "junk", "nonjunk", "notjunk", "$phishing", "$submitpending", "$submitted", "$hasattachment",
      "$hasnoattachment", "$recent");

  static ThreadFacts of(MessageDocument m, ServerHints hints, ConversationOptions options) {
    String own = isValidMessageId(m.messageId()) ? m.messageId() : null;
    List<String> links = new ArrayList<>();
    for (String r : m.references() == null ? List.<String>of() : m.references()) {
      if (isValidMessageId(r) && !r.equals(own) && !links.contains(r)) {
        links.add(r);
      }
    }
    if (links.isEmpty() && isValidMessageId(m.inReplyTo()) && !m.inReplyTo().equals(own)) {
      links.add(m.inReplyTo());
    }
    String serverKey = hints == null ? null : hints.threadKey();
    String field = null;
    if (serverKey == null && options.subjectJoining() && m.date() >= 0) {
      String base = BaseSubject.key(m.subject());
      if (!base.isEmpty()) {
        field = subjectField(base);
      }
    }
    return new ThreadFacts(m.id(), own, List.copyOf(links), serverKey, field, m.date(),
        participants(m, options), labels(m, hints));
  }

  /**
   * A Message-ID usable for threading: {@code id-left "@" id-right} (RFC 5322 msg-id), as Dovecot
   * requires too. Mailers that answer "yes" to git send-email's In-Reply-To prompt produce
   * {@code <yes>}: linking every such message would join unrelated threads.
   */
  static boolean isValidMessageId(String id) {
    if (id == null) {
      return false;
    }
    int at = id.lastIndexOf('@');
    return at > 0 && at < id.length() - 1;
  }

  /** The synthetic thread-index name of a message: a message without usable ids still has one. */
  String docName() {
    return "~" + docId;
  }

  /** Every thread-index name this message looks up or may write. */
  List<String> names() {
    List<String> out = new ArrayList<>(links.size() + 3);
    if (serverKey != null) {
      out.add(serverKey);
    }
    if (ownId != null) {
      out.add(ownId);
    }
    out.addAll(links);
    out.add(docName());
    return out;
  }

  static String subjectField(String baseSubjectKey) {
    return Sha256.hexPrefix(baseSubjectKey, 24);
  }

  static String addressHash(String address) {
    return Sha256.hexPrefix(address.toLowerCase(Locale.ROOT), 12);
  }

  private static List<String> participants(MessageDocument m, ConversationOptions options) {
    Set<String> out = new LinkedHashSet<>();
    for (List<EmailAddress> list : List.of(nn(m.from()), nn(m.to()), nn(m.cc()))) {
      for (EmailAddress a : list) {
        if (out.size() >= options.maxEntryParticipants()) {
          return List.copyOf(out);
        }
        if (a.address() != null && !a.address().isBlank() && !options.isOwn(a.address())) {
          out.add(addressHash(a.address()));
        }
      }
    }
    return List.copyOf(out);
  }

  private static List<String> labels(MessageDocument m, ServerHints hints) {
    Set<String> out = new LinkedHashSet<>();
    for (String f : m.flags() == null ? List.<String>of() : m.flags()) {
      if (!f.startsWith("\\") && !PROTOCOL_KEYWORDS.contains(f.toLowerCase(Locale.ROOT))) {
        out.add(f);
      }
    }
    if (hints != null) {
      out.addAll(hints.labels());
    }
    return List.copyOf(out);
  }

  private static <T> List<T> nn(List<T> l) {
    return l == null ? List.of() : l;
  }
}
