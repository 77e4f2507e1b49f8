package io.imapsync.conversation;

import static io.imapsync.conversation.Mail.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.model.MessageDocument;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 5256 REFERENCES / JWZ cases, batch by batch, with subject joining off unless a test says so. */
class ReferencesThreadingTest {
  private final MemoryThreadState state = new MemoryThreadState(
      ConversationOptions.defaults().withSubjectWindow(java.time.Duration.ZERO));

  @Test
  void replyJoinsItsParent() {
    state.publish(msg("root@x").subject("Plan"));
    state.publish(msg("reply@x").irt("root@x").refs("root@x").subject("Re: Plan").day(1));
    assertEquals(state.conversationOf("root@x"), state.conversationOf("reply@x"));
    assertEquals(2, state.conversationOfMessage("root@x").numMessages());
  }

  @Test
  void inReplyToAloneLinks() {
    state.publish(msg("root@x"));
    state.publish(msg("reply@x").irt("root@x"));
    assertEquals(state.conversationOf("root@x"), state.conversationOf("reply@x"));
  }

  @Test
  void inReplyToIsIgnoredWhenReferencesHasIds() {
    // RFC 5256: References first; In-Reply-To only when References names nothing usable.
    state.publish(msg("a@x"), msg("b@x").subject("other"));
    state.publish(msg("c@x").refs("a@x").irt("b@x"));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("c@x"));
    assertNotEquals(state.conversationOf("b@x"), state.conversationOf("c@x"));
  }

  @Test
  void replyBeforeParentMeetsItThroughTheDummy() {
    // The reply arrives first: its parent is a dummy in the index until the parent itself comes.
    state.publish(msg("reply@x").refs("root@x", "parent@x").day(2));
    state.publish(msg("sibling@x").refs("root@x").day(3));
    assertEquals(state.conversationOf("reply@x"), state.conversationOf("sibling@x"), "shared dummy root");
    state.publish(msg("parent@x").refs("root@x").day(1));
    state.publish(msg("root@x"));
    assertEquals(1, state.conversations.size());
    assertEquals(4, state.conversationOfMessage("root@x").numMessages());
    assertTrue(state.merges.isEmpty(), "dummies make merges unnecessary here");
  }

  @Test
  void missingParentsNeverSplitWhatOneMessageLinks() {
    state.publish(msg("a@x").refs("gone-1@x", "gone-2@x"));
    state.publish(msg("b@x").refs("gone-2@x"));
    state.publish(msg("c@x").refs("gone-1@x"));
    assertEquals(1, state.conversations.size());
  }

  @Test
  void referenceLoopsNeverLoop() {
    state.publish(msg("a@x").refs("b@x"));
    state.publish(msg("b@x").refs("c@x"));
    state.publish(msg("c@x").refs("a@x"));
    state.publish(msg("self@x").refs("self@x", "self@x").subject("self"));
    state.publish(msg("d@x").refs("a@x", "d@x", "a@x"));
    assertEquals(2, state.conversations.size());
    assertEquals(4, state.conversationOfMessage("a@x").numMessages());
    assertEquals(1, state.conversationOfMessage("self@x").numMessages());
  }

  @Test
  void loopInsideOneBatch() {
    state.publish(msg("a@x").refs("b@x"), msg("b@x").refs("a@x"), msg("c@x").irt("c@x"));
    assertEquals(2, state.conversations.size());
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
  }

  @Test
  void firstMessageKeepsADuplicatedMessageId() {
    state.publish(msg("dup@x").docId("m000000000000000000000001").blurb("first"));
    state.publish(msg("dup@x").docId("m000000000000000000000002").blurb("second"));
    assertEquals(2, state.conversations.size(), "the second message does not claim the id");
    state.publish(msg("reply@x").refs("dup@x"));
    String replyConv = state.conversationOf("reply@x");
    assertEquals(replyConv, state.messages.get("m000000000000000000000001").conversationId(),
        "a reply to the id joins the message that kept it");
    assertNotEquals(replyConv, state.messages.get("m000000000000000000000002").conversationId());
    assertEquals("m000000000000000000000001", state.owners.get("dup@x"));
  }

  @Test
  void duplicateMessageIdWithReferencesStillFollowsItsReferences() {
    state.publish(msg("root@x"), msg("dup@x").docId("m000000000000000000000001").subject("other"));
    state.publish(msg("dup@x").docId("m000000000000000000000002").refs("root@x"));
    assertEquals(state.conversationOf("root@x"), state.messages.get("m000000000000000000000002").conversationId());
    assertNotEquals(state.conversationOf("root@x"), state.messages.get("m000000000000000000000001").conversationId());
  }

  @Test
  void sameMessageSeenTwiceIsOneMessage() {
    state.publish(msg("a@x").uid(1));
    state.publish(msg("a@x").uid(7).mailbox("Archive"));
    assertEquals(1, state.conversations.size());
    assertEquals(1, state.conversationOfMessage("a@x").numMessages());
    assertEquals(List.of("INBOX", "Archive"), state.conversationOfMessage("a@x").mailboxes());
  }

  @Test
  void messagesWithoutIdsStandAlone() {
    state.publish(msg(null).docId("m000000000000000000000011"), msg(null).docId("m000000000000000000000012"));
    assertEquals(2, state.conversations.size());
    state.publish(msg(null).docId("m000000000000000000000011").uid(5));
    assertEquals(2, state.conversations.size(), "seen again (another folder): still one conversation");
  }

  @Test
  void idsWithoutAtSignAreNotLinks() {
    // git send-email users answering "yes" to its In-Reply-To prompt: <yes> must not join everything.
    state.publish(msg("p1@x").irt("yes").refs("yes"), msg("p2@x").refs("yes").subject("other"));
    assertEquals(2, state.conversations.size());
    state.publish(msg("p3@x").refs("yes", "p1@x"));
    assertEquals(state.conversationOf("p1@x"), state.conversationOf("p3@x"));
    assertNotEquals(state.conversationOf("p2@x"), state.conversationOf("p3@x"));
  }

  @Test
  void outOfOrderArrivalGivesTheSameGrouping() {
    List<MessageDocument> corpus = randomForest(new Random(5256), 120);
    MemoryThreadState inOrder = new MemoryThreadState(state.assembler.options());
    inOrder.publishDocs(corpus);
    Set<Set<String>> expected = inOrder.partition();
    assertTrue(expected.size() > 5 && expected.size() < 100, "a forest with some trees: " + expected.size());
    for (int seed = 0; seed < 25; seed++) {
      Random r = new Random(seed);
      List<MessageDocument> shuffled = new ArrayList<>(corpus);
      Collections.shuffle(shuffled, r);
      MemoryThreadState s = new MemoryThreadState(state.assembler.options());
      int i = 0;
      while (i < shuffled.size()) {
        int n = 1 + r.nextInt(12);
        s.publishDocs(shuffled.subList(i, Math.min(shuffled.size(), i + n)));
        i += n;
      }
      assertEquals(expected, s.partition(), "seed " + seed);
      assertEquals(expected.size(), s.conversations.size());
    }
  }

  /**
   * Random reply trees: each message replies to an earlier one (or starts a tree); its
   * References are the full chain, a truncated chain (root and parent only), only In-Reply-To,
   * or nothing; some ids are never delivered (missing parents).
   */
  static List<MessageDocument> randomForest(Random r, int n) {
    List<String> ids = new ArrayList<>();
    List<List<String>> chains = new ArrayList<>();
    List<MessageDocument> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "r" + i + "@forest";
      List<String> chain;
      Mail m = Mail.msg(id).subject("topic " + i).day(i * 0.1).uid(i + 1);
      if (i == 0 || r.nextInt(6) == 0) {
        chain = List.of();
      } else {
        int parent = r.nextInt(i);
        List<String> pc = new ArrayList<>(chains.get(parent));
        pc.add(ids.get(parent));
        chain = pc;
        switch (r.nextInt(4)) {
          case 0 -> m.refs(chain.toArray(String[]::new));
          case 1 -> m.refs(chain.size() > 1 ? new String[] {chain.get(0), chain.get(chain.size() - 1)}
              : new String[] {chain.get(0)});
          case 2 -> m.irt(chain.get(chain.size() - 1));
          default -> m.refs(chain.toArray(String[]::new)).irt(chain.get(chain.size() - 1));
        }
      }
      ids.add(id);
      chains.add(chain);
      if (r.nextInt(10) != 0) { // one in ten is never delivered: a missing parent
        out.add(m.build());
      }
    }
    return out;
  }
}
