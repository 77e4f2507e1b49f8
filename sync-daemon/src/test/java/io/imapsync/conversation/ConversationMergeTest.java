package io.imapsync.conversation;

import static io.imapsync.conversation.Mail.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.conversation.ConversationAssembler.Assembled;
import io.imapsync.conversation.ConversationAssembler.Merge;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.ConversationMessage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A late message that links conversations merges them: one survives, the others are absorbed. */
class ConversationMergeTest {
  private final MemoryThreadState state = new MemoryThreadState(
      ConversationOptions.forAccount(Set.of("alice@example.test")));

  /** Reply A names only its parent P; B names only the root R: two conversations until P arrives. */
  private void twoConversationsThenTheirLink() {
    state.publish(msg("a@x").irt("p@x").subject("Re: Plan").day(2));
    state.publish(msg("b@x").refs("r@x").subject("Re: Other words").day(3));
    assertEquals(2, state.conversations.size());
  }

  @Test
  void lateParentMergesTwoConversations() {
    twoConversationsThenTheirLink();
    String convA = state.conversationOf("a@x");
    String convB = state.conversationOf("b@x");
    ConversationDocument beforeB = state.conversations.get(convB);

    Assembled out = state.publish(msg("p@x").refs("r@x").subject("Re: Plan").day(1));

    assertEquals(1, state.conversations.size());
    assertEquals(1, out.merges().size());
    Merge m = out.merges().get(0);
    // The older conversation (earliest message: A, day 2) survives; B (day 3) is absorbed.
    assertEquals(convA, m.survivingId());
    assertEquals(convB, m.absorbedId());
    assertEquals(ConversationAssembler.REASON_REFERENCES, m.reason());
    assertEquals(List.of(beforeB.messages().get(0).id()), m.messageIds());
    assertEquals(beforeB.version(), m.absorbedVersion());
    ConversationDocument survivor = state.conversations.get(convA);
    assertEquals(survivor.version(), m.survivingVersion());
    assertEquals(2, survivor.version(), "one write, one version");
    assertEquals(3, survivor.numMessages());
    assertEquals(List.of("p@x", "a@x", "b@x"), survivor.messages().stream()
        .map(cm -> state.messages.get(cm.id()).messageId()).toList(), "oldest first");
    // Message documents, index entries: all moved to the survivor (checkConsistent also ran).
    assertEquals(convA, state.conversationOf("b@x"));
    assertEquals(1, out.movedMessages().size());
    for (String name : List.of("a@x", "b@x", "p@x", "r@x")) {
      assertEquals(convA, state.threads.get(name), name);
    }
    assertFalse(state.threads.containsValue(convB));
  }

  @Test
  void theOlderConversationSurvivesWhateverTheOrder() {
    state.publish(msg("b@x").refs("r@x").day(3));
    state.publish(msg("a@x").irt("p@x").day(2)); // created later, but older
    String convA = state.conversationOf("a@x");
    Assembled out = state.publish(msg("p@x").refs("r@x").day(1));
    assertEquals(convA, out.merges().get(0).survivingId());
  }

  @Test
  void oneMessageMergesThree() {
    state.publish(msg("a@x").refs("x1@x").day(1));
    state.publish(msg("b@x").refs("x2@x").day(2));
    state.publish(msg("c@x").refs("x3@x").day(3));
    Assembled out = state.publish(msg("d@x").refs("x1@x", "x2@x", "x3@x").day(4));
    assertEquals(1, state.conversations.size());
    assertEquals(2, out.merges().size());
    String survivor = state.conversationOf("a@x");
    assertTrue(out.merges().stream().allMatch(m -> m.survivingId().equals(survivor)));
    assertEquals(4, state.conversations.get(survivor).numMessages());
    assertEquals(1, out.conversations().size(), "one conversation.updated, of the survivor");
  }

  @Test
  void mergeInsideOneBatchAnnouncesNothing() {
    // Nothing was stored yet: the batch's own conversations fold silently.
    Assembled out = state.publish(msg("a@x").irt("p@x").day(2), msg("b@x").refs("r@x").day(3),
        msg("p@x").refs("r@x").day(1));
    assertTrue(out.merges().isEmpty());
    assertEquals(1, out.conversations().size());
    assertEquals(1, out.conversations().get(0).version());
  }

  @Test
  void batchMergesStoredAndNewConversations() {
    state.publish(msg("b@x").refs("r@x").day(3));
    String stored = state.conversationOf("b@x");
    // In one batch: a new conversation (a, older) and the link p; the stored one is absorbed.
    Assembled out = state.publish(msg("a@x").irt("p@x").day(2), msg("p@x").refs("r@x").day(1));
    assertEquals(1, out.merges().size());
    assertEquals(stored, out.merges().get(0).absorbedId());
    assertEquals(state.conversationOf("a@x"), out.merges().get(0).survivingId());
    assertEquals(1, state.conversations.size());
    assertEquals(1, state.conversations.get(out.merges().get(0).survivingId()).version(),
        "a conversation first written by this batch starts at version 1");
  }

  @Test
  void chainedMergesInOneBatchEndInOneSurvivor() {
    state.publish(msg("a@x").refs("x1@x").day(1));
    state.publish(msg("b@x").refs("x2@x").day(2));
    state.publish(msg("c@x").refs("x3@x").day(3));
    Assembled out = state.publish(msg("d@x").refs("x2@x", "x3@x").day(4), msg("e@x").refs("x1@x", "x3@x").day(5));
    assertEquals(1, state.conversations.size());
    assertEquals(2, out.merges().size());
    String survivor = state.conversationOf("a@x");
    for (Merge m : out.merges()) {
      assertEquals(survivor, m.survivingId(), "every merge names the final survivor");
    }
  }

  @Test
  void subjectMergeSaysSo() {
    state.publish(msg("a@x").subject("Offsite").from("bob@example.test").day(0));
    state.publish(msg("b@x").subject("Offsite").from("carol@example.test").day(1));
    assertEquals(2, state.conversations.size(), "no shared participant yet");
    Assembled out = state.publish(msg("c@x").subject("Re: Offsite").from("bob@example.test")
        .cc("carol@example.test").day(2));
    assertEquals(1, out.merges().size());
    assertEquals(ConversationAssembler.REASON_SUBJECT, out.merges().get(0).reason());
    // The subject index now points every entry at the survivor.
    String survivor = state.conversationOf("a@x");
    state.subjects.values().forEach(l -> l.forEach(e -> assertEquals(survivor, e.c())));
  }

  @Test
  void mergedConversationCombinesFlagsParticipantsAndMailboxes() {
    state.publish(msg("a@x").irt("p@x").day(2).flags("\\Seen").from("bob@example.test").mailbox("INBOX"));
    state.publish(msg("b@x").refs("r@x").day(3).flags("\\Flagged", "\\Seen", "project-x").attachment()
        .from("carol@example.test").uid(2).mailbox("Archive"));
    state.publish(msg("p@x").refs("r@x").day(1).flags("\\Seen").from("dave@example.test").uid(3));
    ConversationDocument c = state.conversationOfMessage("a@x");
    assertFalse(c.unread());
    assertTrue(c.starred());
    assertTrue(c.hasAttachments());
    assertEquals(List.of("INBOX", "Archive"), c.mailboxes());
    assertEquals(List.of("project-x"), c.labels());
    assertEquals(Set.of("bob@example.test", "carol@example.test", "dave@example.test", "alice@example.test"),
        Set.copyOf(c.participants().stream().map(p -> p.address()).toList()));
    assertEquals("carol@example.test", c.contact().address(), "the newest message's sender");
    assertEquals(Mail.T0 + 3 * Mail.DAY, c.updatedAt());
    ConversationMessage newest = c.messages().get(c.messages().size() - 1);
    assertEquals(newest.blurb(), c.summary());
  }

  @Test
  void windowedSubjectMergeAfterLongGap() {
    MemoryThreadState s = new MemoryThreadState(ConversationOptions.defaults().withSubjectWindow(Duration.ofDays(1)));
    s.publish(msg("a@x").subject("X").day(0));
    s.publish(msg("b@x").subject("X").day(2));
    assertEquals(2, s.conversations.size());
    s.publish(msg("c@x").subject("X").day(1));
    assertEquals(1, s.conversations.size());
  }
}
