package io.imapsync.conversation;

import io.imapsync.model.ConversationDocument;
import io.imapsync.model.ConversationMessage;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.Participant;
import io.imapsync.model.Sha256;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Threads messages into conversations, one batch at a time, with the state in Redis. Pure: the
 * caller reads what it asks for ({@link #lookups}, {@link #conversationsToLoad},
 * {@link Plan#absorbedMessageIds()}, {@link #mergeLookups}) and writes what {@link #assemble}
 * returns, all in one atomic batch.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>A server thread id (X-GM-THRID, THREADID) decides alone: same id, same conversation.</li>
 *   <li>References (else In-Reply-To), as RFC 5256 REFERENCES reads them: a message joins the
 *       conversation of every valid id it names, and its own Message-ID. Ids never seen as a
 *       message are the "dummy parents": they are indexed too, so a reply that arrives before its
 *       parent still meets it. The relation is a union of id sets, so no order of arrival can form
 *       a loop, and any order gives the same grouping. A Message-ID already owned by another
 *       message is not the newcomer's: the first message keeps the id.</li>
 *   <li>Base subject (RFC 5256 plus localized prefixes, {@link BaseSubject}): two messages with
 *       the same base subject join when their dates are within {@link
 *       ConversationOptions#subjectWindow()} and they share a participant address other than the
 *       account's own. Symmetric per pair of messages, so it is order-independent as well.</li>
 * </ol>
 * When one message links conversations that were apart, they merge: the oldest (by its earliest
 * message date, then id) survives, the others are absorbed. A stored conversation that is
 * absorbed gets a {@code conversation.merged} event ({@link Merge}).
 */
public final class ConversationAssembler {
  public static final String REASON_REFERENCES = "references";
  public static final String REASON_SUBJECT = "subject";

  /** A message of the batch with what the server said about its thread. */
  public record Incoming(MessageDocument message, ServerHints hints) {
    public Incoming {
      hints = hints == null ? ServerHints.NONE : hints;
    }

    public static Incoming of(MessageDocument message) {
      return new Incoming(message, ServerHints.NONE);
    }
  }

  /** Fields to read: thread-index names, Message-ID owners, base-subject index fields. */
  public record Lookups(Set<String> threadNames, Set<String> messageIds, Set<String> subjectFields) {}

  /**
   * What Redis holds for the fields asked for (absent fields are simply missing from the maps),
   * and the conversation documents.
   */
  public record Known(Map<String, String> threadIndex, Map<String, String> messageIdOwners,
      Map<String, List<SubjectEntry>> subjects, Map<String, ConversationDocument> conversations) {
    public Known {
      threadIndex = Map.copyOf(threadIndex);
      messageIdOwners = Map.copyOf(messageIdOwners);
      subjects = Map.copyOf(subjects);
      conversations = Map.copyOf(conversations);
    }

    public static Known empty() {
      return new Known(Map.of(), Map.of(), Map.of(), Map.of());
    }

    public Known withConversations(Map<String, ConversationDocument> docs) {
      return new Known(threadIndex, messageIdOwners, subjects, docs);
    }
  }

  /**
   * A stored conversation absorbed into another.
   *
   * @param messageIds       the absorbed conversation's messages, now in the surviving one
   * @param absorbedVersion  the absorbed conversation's last version
   * @param survivingVersion the version of the surviving conversation written with this merge
   */
  public record Merge(String survivingId, String absorbedId, String reason, List<String> messageIds,
      long absorbedVersion, long survivingVersion) {}

  /**
   * Everything to write.
   *
   * @param messages          the batch's messages, with their conversation ids
   * @param movedMessages     stored messages of absorbed conversations, with the new conversation id
   * @param threadIndexWrites thread-index names to set: new ones and re-pointed ones
   * @param messageIdOwners   Message-IDs seen for the first time, to the message that keeps them
   * @param subjectWrites     base-subject index fields to replace
   * @param merges            stored conversations absorbed: delete them, announce the merge
   * @param conversations     conversations to write, each with its next version
   */
  public record Assembled(List<MessageDocument> messages, List<MessageDocument> movedMessages,
      Map<String, String> threadIndexWrites, Map<String, String> messageIdOwners,
      Map<String, List<SubjectEntry>> subjectWrites, List<Merge> merges,
      List<ConversationDocument> conversations) {}

  private final String accountId;
  private final ConversationOptions options;

  public ConversationAssembler(String accountId) {
    this(accountId, ConversationOptions.defaults());
  }

  public ConversationAssembler(String accountId, ConversationOptions options) {
    this.accountId = accountId;
    this.options = options;
  }

  public ConversationOptions options() {
    return options;
  }

  // ---- what to read --------------------------------------------------------------------------

  public Lookups lookups(List<Incoming> batch) {
    Set<String> names = new LinkedHashSet<>();
    Set<String> ids = new LinkedHashSet<>();
    Set<String> fields = new LinkedHashSet<>();
    for (Incoming in : batch) {
      ThreadFacts f = facts(in);
      names.addAll(f.names());
      if (f.ownId() != null) {
        ids.add(f.ownId());
      }
      if (f.subjectField() != null) {
        fields.add(f.subjectField());
      }
    }
    return new Lookups(names, ids, fields);
  }

  /** The conversations the batch may join or merge: those named by the index and by matching subject entries. */
  public Set<String> conversationsToLoad(List<Incoming> batch, Known known) {
    Set<String> out = new LinkedHashSet<>();
    for (Incoming in : batch) {
      ThreadFacts f = facts(in);
      for (String n : f.names()) {
        String c = known.threadIndex().get(n);
        if (c != null) {
          out.add(c);
        }
      }
      if (f.subjectField() != null) {
        for (SubjectEntry e : known.subjects().getOrDefault(f.subjectField(), List.of())) {
          if (subjectMatch(e, f)) {
            out.add(e.c());
          }
        }
      }
    }
    return out;
  }

  /** After {@link #plan}: the names and fields of the stored messages that move with a merge. */
  public Lookups mergeLookups(Collection<MessageDocument> absorbedMessages) {
    Set<String> names = new LinkedHashSet<>();
    Set<String> fields = new LinkedHashSet<>();
    for (MessageDocument m : absorbedMessages) {
      ThreadFacts f = ThreadFacts.of(m, ServerHints.NONE, options);
      names.addAll(f.names());
      if (f.subjectField() != null) {
        fields.add(f.subjectField());
      }
    }
    return new Lookups(names, Set.of(), fields);
  }

  // ---- threading -----------------------------------------------------------------------------

  /** Decides every message's conversation and every merge; nothing is built yet. */
  public Plan plan(List<Incoming> batch, Known known) {
    Plan p = new Plan(batch, known);
    for (Incoming in : batch) {
      p.place(in, facts(in));
    }
    return p;
  }

  /** Plan and assemble in one step, for batches whose merges absorb no stored conversation. */
  public Assembled assemble(List<Incoming> batch, Known known) {
    Plan p = plan(batch, known);
    if (!p.absorbedMessageIds().isEmpty()) {
      throw new IllegalStateException("the batch absorbs stored conversations; use plan() and assemble(plan, ...)");
    }
    return assemble(p, Known.empty(), Map.of());
  }

  /**
   * Builds the writes.
   *
   * @param mergeKnown        the thread-index entries and subject fields of {@link #mergeLookups}
   * @param absorbedMessages  the stored messages of {@link Plan#absorbedMessageIds()}, by id
   */
  public Assembled assemble(Plan plan, Known mergeKnown, Map<String, MessageDocument> absorbedMessages) {
    return plan.finish(mergeKnown, absorbedMessages);
  }

  ThreadFacts facts(Incoming in) {
    return ThreadFacts.of(in.message(), in.hints(), options);
  }

  boolean subjectMatch(SubjectEntry e, ThreadFacts f) {
    if (!options.subjectJoining() || f.subjectField() == null || e.m().equals(f.docId())) {
      return false;
    }
    if (Math.abs(e.t() - f.date()) > options.subjectWindow().toMillis()) {
      return false;
    }
    for (String p : e.p()) {
      if (f.participants().contains(p)) {
        return true;
      }
    }
    return false;
  }

  /** Conversation ids come from the thread's root as the first message saw it, so a rebuild yields the same ids. */
  String conversationId(String rootName) {
    return "c" + Sha256.hexPrefix(accountId + "\0" + rootName, 24).substring(0, 23);
  }

  /** The decisions for one batch, and the working state the writes are built from. */
  public final class Plan {
    private final List<Incoming> batch;
    private final Known known;
    private final Map<String, String> threads;
    private final Set<String> newNames = new LinkedHashSet<>();
    private final Map<String, String> owners;
    private final Map<String, String> newOwners = new LinkedHashMap<>();
    private final Map<String, List<SubjectEntry>> subjects = new LinkedHashMap<>();
    private final Set<String> dirtyFields = new LinkedHashSet<>();
    /** absorbed conversation -> the one it went into (follow with {@link #find}). */
    private final Map<String, String> alias = new HashMap<>();
    private final Map<String, String> mergeReason = new LinkedHashMap<>();
    private final Map<String, Long> age = new HashMap<>();
    /** message id -> conversation it was placed in (follow with {@link #find}). */
    private final Map<String, String> placed = new LinkedHashMap<>();
    private final List<ThreadFacts> facts = new ArrayList<>();

    private Plan(List<Incoming> batch, Known known) {
      this.batch = batch;
      this.known = known;
      this.threads = new HashMap<>(known.threadIndex());
      this.owners = new HashMap<>(known.messageIdOwners());
      for (var e : known.subjects().entrySet()) {
        subjects.put(e.getKey(), new ArrayList<>(e.getValue()));
      }
      for (ConversationDocument c : known.conversations().values()) {
        age.put(c.id(), earliest(c));
      }
    }

    /** The conversation a message or conversation id ends up in. */
    public String find(String conversationId) {
      String c = conversationId;
      while (alias.containsKey(c)) {
        c = alias.get(c);
      }
      // Path compression: later look-ups are one step.
      String x = conversationId;
      while (!x.equals(c)) {
        String next = alias.get(x);
        alias.put(x, c);
        x = next;
      }
      return c;
    }

    /** Where a batch message was placed (final, after every merge of the batch). */
    public String conversationOf(String messageId) {
      String c = placed.get(messageId);
      return c == null ? null : find(c);
    }

    /** Stored conversations this batch absorbs. */
    public List<ConversationDocument> absorbedConversations() {
      List<ConversationDocument> out = new ArrayList<>();
      for (String x : mergeReason.keySet()) {
        ConversationDocument d = known.conversations().get(x);
        if (d != null && !find(x).equals(x)) {
          out.add(d);
        }
      }
      return out;
    }

    /** The stored messages of absorbed conversations: read them, then {@link #assemble}. */
    public List<String> absorbedMessageIds() {
      List<String> out = new ArrayList<>();
      for (ConversationDocument d : absorbedConversations()) {
        for (ConversationMessage m : d.messages()) {
          out.add(m.id());
        }
      }
      return out;
    }

    void place(Incoming in, ThreadFacts f) {
      facts.add(f);
      if (f.serverKey() != null) {
        String c = threads.get(f.serverKey());
        c = c == null ? conversationId(f.serverKey()) : find(c);
        putName(f.serverKey(), c);
        if (f.ownId() != null && !isDuplicate(f)) {
          putName(f.ownId(), c); // so that a reply without a server thread id finds it
        }
        indexIds(f, c);
        join(f, c);
        return;
      }
      boolean duplicate = isDuplicate(f);
      List<String> linkNames = new ArrayList<>();
      if (f.ownId() != null && !duplicate) {
        linkNames.add(f.ownId());
      }
      linkNames.addAll(f.links());
      linkNames.add(f.docName());

      Map<String, String> candidates = new LinkedHashMap<>();
      for (String n : linkNames) {
        String c = threads.get(n);
        if (c != null) {
          candidates.putIfAbsent(find(c), REASON_REFERENCES);
        }
      }
      if (f.subjectField() != null) {
        for (SubjectEntry e : subjects.getOrDefault(f.subjectField(), List.of())) {
          if (subjectMatch(e, f)) {
            candidates.putIfAbsent(find(e.c()), REASON_SUBJECT);
          }
        }
      }

      String c;
      if (candidates.isEmpty()) {
        // The root as this message knows it; never in the index (else it would be a candidate).
        String root = !f.links().isEmpty() ? f.links().get(0)
            : f.ownId() != null && !duplicate ? f.ownId() : f.docName();
        c = conversationId(root);
      } else {
        c = candidates.keySet().stream().min(Comparator.<String>comparingLong(x -> age.getOrDefault(x, Long.MAX_VALUE))
            .thenComparing(Comparator.naturalOrder())).orElseThrow();
        for (var e : candidates.entrySet()) {
          if (!e.getKey().equals(c)) {
            absorb(e.getKey(), c, e.getValue());
          }
        }
      }
      for (String n : linkNames) {
        putName(n, c);
      }
      indexIds(f, c);
      join(f, c);
      if (f.subjectField() != null) {
        List<SubjectEntry> entries = subjects.computeIfAbsent(f.subjectField(), k -> new ArrayList<>());
        entries.removeIf(e -> e.m().equals(f.docId()));
        entries.add(new SubjectEntry(f.docId(), c, f.date(), f.participants()));
        entries.sort(Comparator.comparingLong(SubjectEntry::t).reversed().thenComparing(SubjectEntry::m));
        while (entries.size() > options.maxSubjectEntries()) {
          entries.remove(entries.size() - 1);
        }
        dirtyFields.add(f.subjectField());
      }
    }

    /** Another message keeps this message's Message-ID. */
    private boolean isDuplicate(ThreadFacts f) {
      return f.ownId() != null && owners.containsKey(f.ownId()) && !owners.get(f.ownId()).equals(f.docId());
    }

    private void putName(String name, String c) {
      if (!threads.containsKey(name)) {
        threads.put(name, c);
        newNames.add(name);
      }
    }

    /** The first message to carry a Message-ID keeps it. */
    private void indexIds(ThreadFacts f, String c) {
      if (f.ownId() != null && !owners.containsKey(f.ownId())) {
        owners.put(f.ownId(), f.docId());
        newOwners.put(f.ownId(), f.docId());
      }
      // Ids the message names keep pointing at the conversation that first saw them; the union
      // above already merged them with c where they were known.
      for (String n : f.links()) {
        putName(n, c);
      }
      putName(f.docName(), c);
    }

    private void join(ThreadFacts f, String c) {
      placed.put(f.docId(), c);
      if (f.date() >= 0) {
        age.merge(c, f.date(), Math::min);
      }
    }

    private void absorb(String absorbed, String survivor, String reason) {
      alias.put(absorbed, survivor);
      mergeReason.putIfAbsent(absorbed, reason);
      Long a = age.get(absorbed);
      if (a != null) {
        age.merge(survivor, a, Math::min);
      }
    }

    Assembled finish(Known mergeKnown, Map<String, MessageDocument> absorbedMessages) {
      // Entries of moved messages that the batch did not read yet.
      Map<String, String> original = new HashMap<>(known.threadIndex());
      for (var e : mergeKnown.threadIndex().entrySet()) {
        original.putIfAbsent(e.getKey(), e.getValue());
        threads.putIfAbsent(e.getKey(), e.getValue());
      }
      for (var e : mergeKnown.subjects().entrySet()) {
        subjects.putIfAbsent(e.getKey(), new ArrayList<>(e.getValue()));
      }

      Map<String, String> indexWrites = new LinkedHashMap<>();
      for (String n : newNames) {
        indexWrites.put(n, find(threads.get(n)));
      }
      for (var e : original.entrySet()) {
        String to = find(e.getValue());
        if (!to.equals(e.getValue())) {
          indexWrites.put(e.getKey(), to);
        }
      }

      Map<String, List<SubjectEntry>> subjectWrites = new LinkedHashMap<>();
      for (var e : subjects.entrySet()) {
        boolean changed = dirtyFields.contains(e.getKey());
        List<SubjectEntry> out = new ArrayList<>(e.getValue().size());
        for (SubjectEntry s : e.getValue()) {
          String to = find(s.c());
          changed |= !to.equals(s.c());
          out.add(to.equals(s.c()) ? s : s.withConversation(to));
        }
        if (changed) {
          subjectWrites.put(e.getKey(), out);
        }
      }

      // The conversations to write: every final home of a batch message or an absorbed one.
      Map<String, List<Integer>> freshByConv = new LinkedHashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        freshByConv.computeIfAbsent(find(placed.get(facts.get(i).docId())), k -> new ArrayList<>()).add(i);
      }
      List<ConversationDocument> absorbed = absorbedConversations();
      Map<String, List<ConversationDocument>> absorbedByConv = new LinkedHashMap<>();
      for (ConversationDocument d : absorbed) {
        absorbedByConv.computeIfAbsent(find(d.id()), k -> new ArrayList<>()).add(d);
        freshByConv.computeIfAbsent(find(d.id()), k -> new ArrayList<>());
      }
      Set<String> own = new HashSet<>(options.ownAddresses());
      for (Incoming in : batch) {
        if (!in.message().inbound()) {
          for (EmailAddress a : in.message().from()) {
            if (a.address() != null) {
              own.add(a.address().toLowerCase(Locale.ROOT));
            }
          }
        }
      }
      Map<String, ConversationDocument> docs = new LinkedHashMap<>();
      for (var e : freshByConv.entrySet()) {
        String id = e.getKey();
        List<Incoming> fresh = new ArrayList<>();
        List<ThreadFacts> freshFacts = new ArrayList<>();
        for (int i : e.getValue()) {
          fresh.add(batch.get(i));
          freshFacts.add(facts.get(i));
        }
        docs.put(id, build(id, known.conversations().get(id), absorbedByConv.getOrDefault(id, List.of()),
            fresh, freshFacts, own));
      }

      List<MessageDocument> messages = new ArrayList<>(batch.size());
      Set<String> freshIds = new HashSet<>();
      for (int i = 0; i < batch.size(); i++) {
        MessageDocument m = batch.get(i).message();
        messages.add(m.withConversationId(find(placed.get(facts.get(i).docId()))));
        freshIds.add(m.id());
      }
      List<MessageDocument> moved = new ArrayList<>();
      List<Merge> merges = new ArrayList<>();
      for (ConversationDocument d : absorbed) {
        String to = find(d.id());
        List<String> ids = new ArrayList<>();
        for (ConversationMessage cm : d.messages()) {
          ids.add(cm.id());
          MessageDocument stored = absorbedMessages.get(cm.id());
          if (stored != null && !freshIds.contains(cm.id())) {
            moved.add(stored.withConversationId(to));
          }
        }
        merges.add(new Merge(to, d.id(), mergeReason.get(d.id()), ids, d.version(), docs.get(to).version()));
      }
      return new Assembled(messages, moved, indexWrites, newOwners, subjectWrites, merges,
          List.copyOf(docs.values()));
    }
  }

  private static long earliest(ConversationDocument c) {
    long min = Long.MAX_VALUE;
    for (ConversationMessage m : c.messages()) {
      if (m.date() >= 0) {
        min = Math.min(min, m.date());
      }
    }
    return min;
  }

  // ---- conversation documents ----------------------------------------------------------------

  ConversationDocument build(String id, ConversationDocument base, List<ConversationDocument> absorbed,
      List<Incoming> fresh, List<ThreadFacts> freshFacts, Set<String> own) {
    Map<String, ConversationMessage> msgs = new LinkedHashMap<>();
    Map<String, Participant> participants = new LinkedHashMap<>();
    Set<String> mailboxes = new LinkedHashSet<>();
    Set<String> labels = new LinkedHashSet<>();
    List<ConversationDocument> earlier = new ArrayList<>();
    if (base != null) {
      earlier.add(base);
    }
    earlier.addAll(absorbed);
    for (ConversationDocument d : earlier) {
      for (ConversationMessage m : d.messages()) {
        msgs.put(m.id(), m);
      }
      for (Participant p : d.participants()) {
        participants.putIfAbsent(lower(p.address()) + "\0" + p.role(), p);
      }
      mailboxes.addAll(d.mailboxes());
      labels.addAll(d.labels());
    }
    for (int i = 0; i < fresh.size(); i++) {
      MessageDocument m = fresh.get(i).message();
      msgs.put(m.id(), new ConversationMessage(m.id(), m.mailbox(), m.mailboxNames(), m.uid(),
          m.from() == null || m.from().isEmpty() ? null : m.from().get(0), m.date(), m.subject(), m.blurb(),
          m.unread(), m.starred(), m.hasAttachments()));
      addAll(participants, m.from(), "from");
      addAll(participants, m.to(), "to");
      addAll(participants, m.cc(), "cc");
      addAll(participants, m.bcc(), "bcc");
      mailboxes.addAll(m.mailboxNames());
      labels.addAll(freshFacts.get(i).labels());
    }
    List<ConversationMessage> sorted = new ArrayList<>(msgs.values());
    sorted.sort(Comparator.comparingLong(ConversationMessage::date).thenComparing(ConversationMessage::id));
    ConversationMessage newest = sorted.get(sorted.size() - 1);
    ConversationMessage oldest = sorted.get(0);
    String subject = oldest.subject();
    if (subject == null) {
      subject = sorted.stream().map(ConversationMessage::subject).filter(s -> s != null).findFirst().orElse(null);
    }
    List<Participant> plist = List.copyOf(participants.values());
    long version = (base == null ? 0 : base.version()) + 1;
    return new ConversationDocument(id, accountId, subject, newest.blurb(), newest.date(), sorted.size(),
        sorted.stream().anyMatch(ConversationMessage::unread),
        sorted.stream().anyMatch(ConversationMessage::starred),
        sorted.stream().anyMatch(ConversationMessage::hasAttachments),
        plist, contact(plist, sorted, own), List.copyOf(mailboxes), List.copyOf(labels), List.copyOf(sorted), version);
  }

  /**
   * The main other party: the sender of the newest message not sent by the account, else the
   * first recipient (To, then Cc, then Bcc) who is not the account; null when there is nobody else.
   */
  static Participant contact(List<Participant> participants, List<ConversationMessage> sorted, Set<String> own) {
    for (int i = sorted.size() - 1; i >= 0; i--) {
      EmailAddress from = sorted.get(i).from();
      if (from != null && from.address() != null && !own.contains(lower(from.address()))) {
        for (Participant p : participants) {
          if (p.role().equals("from") && lower(p.address()).equals(lower(from.address()))) {
            return p;
          }
        }
        return new Participant(from.name(), from.address(), "from");
      }
    }
    for (String role : List.of("to", "cc", "bcc")) {
      for (Participant p : participants) {
        if (p.role().equals(role) && !own.contains(lower(p.address()))) {
          return p;
        }
      }
    }
    return null;
  }

  private static void addAll(Map<String, Participant> into, List<EmailAddress> addrs, String role) {
    if (addrs == null) {
      return;
    }
    for (EmailAddress a : addrs) {
      if (a.address() == null || a.address().isBlank()) {
        continue;
      }
      into.putIfAbsent(lower(a.address()) + "\0" + role, new Participant(a.name(), a.address(), role));
    }
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
