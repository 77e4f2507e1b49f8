package io.imapsync.conversation;

import static io.imapsync.conversation.Mail.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imapsync.conversation.ConversationAssembler.Incoming;
import java.util.List;
import org.junit.jupiter.api.Test;

/** X-GM-THRID and THREADID decide when the server has them. */
class ServerThreadingTest {
  private final MemoryThreadState state = new MemoryThreadState();

  private static Incoming gm(Mail m, long thrid, String... labels) {
    return new Incoming(m.build(), ServerHints.of(thrid, null, List.of(labels)));
  }

  @Test
  void sameServerThreadSameConversationWithoutReferences() {
    state.publish(List.of(gm(msg("a@x").subject("one"), 1234L)));
    state.publish(List.of(gm(msg("b@x").subject("something else"), 1234L)));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
  }

  @Test
  void serverSplitIsKeptDespiteReferences() {
    state.publish(List.of(gm(msg("a@x"), 1L)));
    state.publish(List.of(gm(msg("b@x").refs("a@x"), 2L)));
    assertNotEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
  }

  @Test
  void aReplyWithoutServerIdFindsAServerThreadedParent() {
    state.publish(List.of(gm(msg("a@x"), 77L)));
    state.publish(msg("b@x").refs("a@x"));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
  }

  @Test
  void unsigned64BitThreadIdsAndLabels() {
    state.publish(List.of(gm(msg("a@x"), -5L, "\\Inbox", "Work")));
    assertEquals("#gm:" + Long.toUnsignedString(-5L), ServerHints.of(-5L, null, List.of()).threadKey());
    assertEquals(List.of("\\Inbox", "Work"), state.conversationOfMessage("a@x").labels());
  }

  @Test
  void threadIdOfObjectId() {
    state.publish(List.of(new Incoming(msg("a@x").build(), ServerHints.of(-1, "T123", null))));
    state.publish(List.of(new Incoming(msg("b@x").build(), ServerHints.of(-1, "T123", null))));
    assertEquals(state.conversationOf("a@x"), state.conversationOf("b@x"));
    assertEquals(state.conversationOf("a@x"), state.threads.get("#tid:T123"));
  }

  @Test
  void noHints() {
    assertSame(ServerHints.NONE, ServerHints.of(-1, null, null));
    assertSame(ServerHints.NONE, ServerHints.of(0, "NIL", List.of()));
    assertNull(ServerHints.of(-1, "NIL", List.of("x")).threadKey());
    assertThrows(IllegalArgumentException.class, () -> new ServerHints("a@b", List.of()));
  }
}
