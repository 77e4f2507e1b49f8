package io.imapsync.conversation;

import io.imapsync.model.ConversationDocument;
import io.imapsync.model.ConversationMessage;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.Participant;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Places new messages into conversations by References and In-Reply-To, and recomputes each
 * touched conversation. Pure: the caller supplies what Redis knows (thread index entries and
 * existing conversations) and writes what comes back.
 *
 * <p>Every Message-ID a message names (its own and its ancestors') is indexed to the conversation,
 * so a parent that arrives after its reply finds the conversation its reply started: the
 * references act as the dummy parents of RFC 5256. Conversation ids are derived from the thread's
 * root Message-ID, so rebuilding a mailbox yields the same ids.
 */
public final class ConversationAssembler {

  /** What Redis already knows about the ids and conversations involved. */
  public record Known(Map<String, String> threadIndex, Map<String, ConversationDocument> conversations) {}

  /** The outcome: messages with conversation ids, conversations to write, index entries to add. */
  public record Assembled(
      List<MessageDocument> messages,
      Map<String, ConversationDocument> conversations,
      Map<String, String> newThreadIndexEntries) {}

  private final String accountId;

  public ConversationAssembler(String accountId) {
    this.accountId = accountId;
  }

  public Assembled assemble(List<MessageDocument> messages, Known known) {
    Map<String, String> index = new HashMap<>(known.threadIndex());
    Map<String, String> added = new LinkedHashMap<>();
    Map<String, ConversationDocument> conversations = new LinkedHashMap<>();
    List<MessageDocument> placed = new ArrayList<>(messages.size());
    for (MessageDocument m : messages) {
      List<String> candidates = ThreadCandidates.of(m);
      String convId = null;
      for (String c : candidates) {
        convId = index.get(c);
        if (convId != null) {
          break;
        }
      }
      if (convId == null) {
        convId = newConversationId(m);
      }
      for (String c : candidates) {
        if (!index.containsKey(c)) {
          index.put(c, convId);
          added.put(c, convId);
        }
      }
      MessageDocument withConv = m.withConversationId(convId);
      placed.add(withConv);
      ConversationDocument before = conversations.containsKey(convId)
          ? conversations.get(convId) : known.conversations().get(convId);
      conversations.put(convId, withMessage(before, convId, withConv));
    }
    return new Assembled(placed, conversations, added);
  }

  /** From the root of the thread as this message knows it: the first Reference, else its parent, else itself. */
  String newConversationId(MessageDocument m) {
    String root = !m.references().isEmpty() ? m.references().get(0)
        : m.inReplyTo() != null ? m.inReplyTo()
        : m.messageId() != null ? m.messageId()
        : "id:" + m.id();
    return "c" + sha256Hex(accountId + "\0" + root).substring(0, 23);
  }

  ConversationDocument withMessage(ConversationDocument before, String convId, MessageDocument m) {
    List<ConversationMessage> msgs = new ArrayList<>(before == null ? List.of() : before.messages());
    msgs.removeIf(x -> x.id().equals(m.id()));
    msgs.add(new ConversationMessage(m.id(), m.mailbox(), m.uid(),
        m.from().isEmpty() ? null : m.from().get(0), m.date(), m.subject(), m.blurb(), m.unread(),
        m.starred(), m.hasAttachments()));
    msgs.sort(Comparator.comparingLong(ConversationMessage::date).thenComparing(ConversationMessage::id));

    Map<String, Participant> participants = new LinkedHashMap<>();
    if (before != null) {
      for (Participant p : before.participants()) {
        participants.put(p.address() + "\0" + p.role(), p);
      }
    }
    addAll(participants, m.from(), "from");
    addAll(participants, m.to(), "to");
    addAll(participants, m.cc(), "cc");
    addAll(participants, m.bcc(), "bcc");

    Set<String> mailboxes = new LinkedHashSet<>(before == null ? List.of() : before.mailboxes());
    if (m.mailbox() != null) {
      mailboxes.add(m.mailbox());
    }
    ConversationMessage newest = msgs.get(msgs.size() - 1);
    ConversationMessage oldest = msgs.get(0);
    String subject = oldest.subject() != null ? oldest.subject() : m.subject();
    boolean unread = msgs.stream().anyMatch(ConversationMessage::unread);
    boolean starred = msgs.stream().anyMatch(ConversationMessage::starred);
    boolean attachments = msgs.stream().anyMatch(ConversationMessage::hasAttachments);
    long updatedAt = Math.max(before == null ? 0 : before.updatedAt(), newest.date());
    List<Participant> plist = new ArrayList<>(participants.values());
    return new ConversationDocument(convId, accountId, subject, newest.blurb(), updatedAt, msgs.size(),
        unread, starred, attachments, plist, contact(plist, m), List.copyOf(mailboxes),
        before == null ? List.of() : before.labels(), msgs, (before == null ? 0 : before.version()) + 1);
  }

  /**
   * The main other party: the sender of an inbound message, else the first recipient of an
   * outbound one; the account's own addresses are never the contact.
   */
  private static Participant contact(List<Participant> participants, MessageDocument latest) {
    Set<String> own = new LinkedHashSet<>();
    if (!latest.inbound()) {
      for (EmailAddress a : latest.from()) {
        own.add(lower(a.address()));
      }
    }
    for (Participant p : participants) {
      if (p.role().equals("from") && !own.contains(lower(p.address()))) {
        return p;
      }
    }
    for (Participant p : participants) {
      if (!own.contains(lower(p.address()))) {
        return p;
      }
    }
    return participants.isEmpty() ? null : participants.get(0);
  }

  private static void addAll(Map<String, Participant> into, List<EmailAddress> addrs, String role) {
    for (EmailAddress a : addrs) {
      if (a.address() == null) {
        continue;
      }
      into.putIfAbsent(lower(a.address()) + "\0" + role, new Participant(a.name(), a.address(), role));
    }
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
