package io.imapsync.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.conversation.ConversationAssembler.Assembled;
import io.imapsync.conversation.ConversationAssembler.Incoming;
import io.imapsync.conversation.ConversationAssembler.Known;
import io.imapsync.conversation.ConversationAssembler.Lookups;
import io.imapsync.conversation.ConversationAssembler.Merge;
import io.imapsync.conversation.ConversationAssembler.Plan;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.ConversationMessage;
import io.imapsync.model.MessageDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The threading state of one account kept in maps, fed batch by batch through the same steps
 * AccountFeed runs against Redis (look-ups, conversations, plan, merge details, assemble, write).
 * Lets the threader's unit tests run many batches in many orders without a Redis.
 */
final class MemoryThreadState {
  final ConversationAssembler assembler;
  final Map<String, String> threads = new HashMap<>();
  final Map<String, String> owners = new HashMap<>();
  final Map<String, List<SubjectEntry>> subjects = new HashMap<>();
  final Map<String, ConversationDocument> conversations = new HashMap<>();
  final Map<String, MessageDocument> messages = new HashMap<>();
  final List<Merge> merges = new ArrayList<>();

  MemoryThreadState(ConversationOptions options) {
    this.assembler = new ConversationAssembler("alice", options);
  }

  MemoryThreadState() {
    this(ConversationOptions.defaults());
  }

  Assembled publish(Mail... batch) {
    List<Incoming> in = new ArrayList<>();
    for (Mail m : batch) {
      in.add(Incoming.of(m.build()));
    }
    return publish(in);
  }

  Assembled publishDocs(List<MessageDocument> batch) {
    return publish(batch.stream().map(Incoming::of).toList());
  }

  Assembled publish(List<Incoming> batch) {
    Known partial = read(assembler.lookups(batch));
    Map<String, ConversationDocument> docs = new HashMap<>();
    for (String c : assembler.conversationsToLoad(batch, partial)) {
      if (conversations.containsKey(c)) {
        docs.put(c, conversations.get(c));
      }
    }
    Plan plan = assembler.plan(batch, partial.withConversations(docs));
    Map<String, MessageDocument> absorbed = new HashMap<>();
    for (String id : plan.absorbedMessageIds()) {
      if (messages.containsKey(id)) {
        absorbed.put(id, messages.get(id));
      }
    }
    Known mergeKnown = read(assembler.mergeLookups(absorbed.values()));
    Assembled a = assembler.assemble(plan, mergeKnown, absorbed);
    apply(a);
    checkConsistent();
    return a;
  }

  private Known read(Lookups l) {
    Map<String, String> t = new HashMap<>();
    for (String n : l.threadNames()) {
      if (threads.containsKey(n)) {
        t.put(n, threads.get(n));
      }
    }
    Map<String, String> o = new HashMap<>();
    for (String id : l.messageIds()) {
      if (owners.containsKey(id)) {
        o.put(id, owners.get(id));
      }
    }
    Map<String, List<SubjectEntry>> s = new HashMap<>();
    for (String f : l.subjectFields()) {
      if (subjects.containsKey(f)) {
        s.put(f, subjects.get(f));
      }
    }
    return new Known(t, o, s, Map.of());
  }

  private void apply(Assembled a) {
    a.messages().forEach(m -> messages.put(m.id(), m));
    a.movedMessages().forEach(m -> messages.put(m.id(), m));
    threads.putAll(a.threadIndexWrites());
    owners.putAll(a.messageIdOwners());
    subjects.putAll(a.subjectWrites());
    for (Merge m : a.merges()) {
      assertNotNull(conversations.remove(m.absorbedId()), "absorbed conversation existed: " + m);
      merges.add(m);
    }
    for (ConversationDocument c : a.conversations()) {
      ConversationDocument before = conversations.put(c.id(), c);
      assertEquals(before == null ? 1 : before.version() + 1, c.version(), "version grows by one per write");
    }
  }

  /** Invariants that must hold after every batch. */
  void checkConsistent() {
    for (MessageDocument m : messages.values()) {
      ConversationDocument c = conversations.get(m.conversationId());
      assertNotNull(c, "the conversation of " + m.messageId() + " exists");
      assertTrue(c.messages().stream().anyMatch(x -> x.id().equals(m.id())),
          "conversation " + c.id() + " lists " + m.messageId());
    }
    for (ConversationDocument c : conversations.values()) {
      assertEquals(c.messages().size(), c.numMessages());
      for (ConversationMessage cm : c.messages()) {
        assertEquals(c.id(), messages.get(cm.id()).conversationId(), "message doc points back");
      }
    }
    for (var e : threads.entrySet()) {
      assertTrue(conversations.containsKey(e.getValue()), "index entry " + e.getKey() + " points at a conversation");
    }
    for (var e : subjects.entrySet()) {
      for (SubjectEntry s : e.getValue()) {
        assertTrue(conversations.containsKey(s.c()), "subject entry points at a conversation");
      }
    }
  }

  String conversationOf(String messageId) {
    for (MessageDocument m : messages.values()) {
      if (messageId.equals(m.messageId())) {
        return m.conversationId();
      }
    }
    throw new AssertionError("no message " + messageId);
  }

  ConversationDocument conversationOfMessage(String messageId) {
    return conversations.get(conversationOf(messageId));
  }

  /** The grouping, independent of conversation ids: sets of document ids, sorted. */
  Set<Set<String>> partition() {
    Map<String, Set<String>> byConv = new TreeMap<>();
    for (MessageDocument m : messages.values()) {
      byConv.computeIfAbsent(m.conversationId(), k -> new TreeSet<>()).add(m.id());
    }
    return Set.copyOf(byConv.values());
  }
}
