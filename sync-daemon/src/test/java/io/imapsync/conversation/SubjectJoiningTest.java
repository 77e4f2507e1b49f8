package io.imapsync.conversation;

import static io.imapsync.conversation.Mail.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.imapsync.model.MessageDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Joining by base subject: only within the window, only with a shared participant. */
class SubjectJoiningTest {
  private final MemoryThreadState state = new MemoryThreadState(
      ConversationOptions.forAccount(Set.of("alice@example.test")).withSubjectWindow(Duration.ofDays(30)));

  @Test
  void replyWithoutReferencesJoinsBySubject() {
    state.publish(msg("a@x").subject("Quarterly numbers").from("bob@example.test").day(0));
    state.publish(msg("b@x").subject("Re: Quarterly numbers").from("carol@example.test")
        .to("bob@example.test").day(2));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"AW: Termin am Montag", "SV: Termin am Montag", "Antw: Termin am Montag",
      "Réf : Termin am Montag", "RE[2]: Termin am Montag", "Re(3): Termin am Montag", "Fwd: Termin am Montag",
      "FW: Termin am Montag", "WG: Termin am Montag", "TR: Termin am Montag", "[team] Re: Termin am Montag",
      "Re: [team] Termin am Montag", "=?UTF-8?Q?AW:?= Termin am Montag", "[Fwd: Termin am Montag]",
      "Termin am Montag (fwd)", "ＲＥ： Termin am Montag", "回复: Termin am Montag", "re:re:RE: Termin  am\tMontag"})
  void localizedPrefixesJoin(String replySubject) {
    state.publish(msg("a@x").subject("Termin am Montag").from("bob@example.test").day(0));
    state.publish(msg("b@x").subject(replySubject).from("bob@example.test").day(1));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"), replySubject);
  }

  @Test
  void notOutsideTheWindow() {
    state.publish(msg("a@x").subject("Status").from("bob@example.test").day(0));
    state.publish(msg("b@x").subject("Re: Status").from("bob@example.test").day(31));
    assertNotEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
    state.publish(msg("c@x").subject("Re: Status").from("bob@example.test").day(29));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("c@x"), "c is within 30 days of a");
    assertEquals(state.conversationOf("b@x"), state.conversationOf("c@x"), "and of b: c bridges them");
    assertEquals(1, state.merges.size());
  }

  @Test
  void notWithoutASharedParticipant() {
    state.publish(msg("a@x").subject("Hello").from("bob@example.test").to("alice@example.test").day(0));
    state.publish(msg("b@x").subject("Hello").from("carol@example.test").to("alice@example.test").day(1));
    assertNotEquals(state.conversationOf("a@x"), state.conversationOf("b@x"),
        "the account's own address is not a shared participant");
    state.publish(msg("c@x").subject("Re: Hello").from("dave@example.test").cc("carol@example.test").day(2));
    assertEquals(state.conversationOf("b@x"), state.conversationOf("c@x"), "carol is in both");
    assertNotEquals(state.conversationOf("a@x"), state.conversationOf("c@x"));
  }

  @Test
  void emptyBaseSubjectsNeverJoin() {
    state.publish(msg("a@x").subject("Re:").from("bob@example.test"));
    state.publish(msg("b@x").subject("").from("bob@example.test"));
    state.publish(msg("c@x").subject(null).from("bob@example.test"));
    assertEquals(3, state.conversations.size());
  }

  @Test
  void messagesWithUnknownDatesNeverJoinBySubject() {
    state.publish(msg("a@x").subject("Lunch").from("bob@example.test").date(-1));
    state.publish(msg("b@x").subject("Lunch").from("bob@example.test"));
    assertEquals(2, state.conversations.size());
  }

  @Test
  void subjectJoiningCanBeTurnedOff() {
    MemoryThreadState off = new MemoryThreadState(ConversationOptions.defaults().withSubjectWindow(Duration.ZERO));
    off.publish(msg("a@x").subject("Lunch").from("bob@example.test"));
    off.publish(msg("b@x").subject("Re: Lunch").from("bob@example.test"));
    assertEquals(2, off.conversations.size());
  }

  @Test
  void subjectJoinsAreOrderIndependent() {
    List<MessageDocument> mails = new ArrayList<>();
    String[] people = {"bob@example.test", "carol@example.test", "dave@example.test", "erin@example.test"};
    String[] subjects = {"Budget", "Re: Budget", "AW: Budget", "Offsite", "Re: Offsite", "SV: Offsite"};
    Random r = new Random(42);
    for (int i = 0; i < 80; i++) {
      mails.add(msg("s" + i + "@x").subject(subjects[r.nextInt(subjects.length)])
          .from(people[r.nextInt(people.length)]).to(people[r.nextInt(people.length)], "alice@example.test")
          .day(r.nextInt(120)).uid(i + 1).build());
    }
    MemoryThreadState inOrder = new MemoryThreadState(state.assembler.options());
    inOrder.publishDocs(mails);
    for (int seed = 0; seed < 15; seed++) {
      List<MessageDocument> shuffled = new ArrayList<>(mails);
      Collections.shuffle(shuffled, new Random(seed));
      MemoryThreadState s = new MemoryThreadState(state.assembler.options());
      for (int i = 0; i < shuffled.size(); i += 7) {
        s.publishDocs(shuffled.subList(i, Math.min(shuffled.size(), i + 7)));
      }
      assertEquals(inOrder.partition(), s.partition(), "seed " + seed);
    }
  }
}
