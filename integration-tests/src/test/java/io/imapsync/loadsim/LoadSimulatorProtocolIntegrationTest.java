package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The simulator's protocol byte for byte, over plain sockets: literals, authentication, the
 * view a selected session keeps (EXPUNGE never during a FETCH, sequence numbers the client's),
 * and the misbehaviours tests order (stall, blackhole, refusal, silence, several processes).
 */
@Tag("integration")
@Timeout(60)
class LoadSimulatorProtocolIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static LoadSimulator sim;
  private static InetSocketAddress second;

  @BeforeAll
  static void start() throws Exception {
    sim = LoadSimulator.start(LoadSimConfig.builder().mailboxes(40).port(0)
        .bindAddresses(List.of("127.0.0.1", "127.0.0.2")).ioThreads(2).maxLiteralSize(1000).build());
    second = sim.boundAddresses().get(1);
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private static InetSocketAddress first() {
    return sim.boundAddresses().get(0);
  }

  @Test
  void listensOnEveryAddressWithOnePort() throws Exception {
    assertEquals(2, sim.boundAddresses().size());
    assertEquals("127.0.0.2", second.getAddress().getHostAddress());
    assertEquals(first().getPort(), second.getPort());
    try (RawImap c = RawImap.loggedIn(second, "user00001")) {
      assertTrue(c.command("NOOP").getLast().startsWith("t2 OK"));
    }
  }

  @Test
  void loginWithSynchronizingLiteralsAndLiteralPlus() throws Exception {
    try (RawImap c = new RawImap(first())) {
      assertTrue(c.readLine().startsWith("* OK [CAPABILITY IMAP4rev1 IDLE CONDSTORE ENABLE UIDPLUS SPECIAL-USE LITERAL+ ID"));
      c.send("a LOGIN {9}\r\n");
      assertTrue(c.readLine().startsWith("+ "));
      c.send("user00002 {2}\r\n");
      assertTrue(c.readLine().startsWith("+ "));
      c.send("pw\r\n");
      assertTrue(c.readLine().startsWith("a OK [CAPABILITY "));
    }
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      c.send("b LOGIN {9+}\r\nuser00002 \"pw\"\r\n");
      assertTrue(c.readLine().startsWith("b OK "));
      Await.until("the first connection gone", WAIT, () -> sim.connections("user00002") == 1);
    }
  }

  @Test
  void tooLargeALiteralIsRefusedBeforeItIsSent() throws Exception {
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      c.send("big LOGIN {5000}\r\n");
      assertEquals("big BAD [TOOBIG] literal of 5000 octets exceeds the allowed maximum (1000)", c.readLine());
      assertTrue(c.command("NOOP").getLast().startsWith("t1 OK"));
    }
  }

  @Test
  void authenticatePlainWithAndWithoutInitialResponse() throws Exception {
    String creds = Base64.getEncoder().encodeToString("\0user00003\0pw".getBytes(StandardCharsets.UTF_8));
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      c.send("a AUTHENTICATE PLAIN\r\n");
      assertEquals("+ ", c.readLine());
      c.send(creds + "\r\n");
      assertTrue(c.readLine().startsWith("a OK "));
    }
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      assertTrue(c.command("AUTHENTICATE PLAIN " + creds).getLast().startsWith("t1 OK "));
    }
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      c.send("a AUTHENTICATE PLAIN\r\n");
      c.readLine();
      c.send("*\r\n");
      assertEquals("a BAD authentication cancelled", c.readLine());
    }
  }

  @Test
  void wrongPasswordsUnknownCommandsAndWrongStates() throws Exception {
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      assertEquals("t1 BAD log in first", c.command("SELECT INBOX").getLast());
      assertEquals("t2 NO [AUTHENTICATIONFAILED] invalid credentials", c.command("LOGIN user00004 nope").getLast());
      assertEquals("t3 NO [AUTHENTICATIONFAILED] invalid credentials", c.command("LOGIN user4 pw").getLast());
      assertTrue(c.command("LOGIN user00004 pw").getLast().startsWith("t4 OK"));
      assertEquals("t5 BAD unknown command XYZZY", c.command("XYZZY").getLast());
      assertEquals("t6 BAD no mailbox selected", c.command("FETCH 1 FLAGS").getLast());
      assertEquals("t7 NO [NONEXISTENT] no such folder", c.command("SELECT Nope").getLast());
      assertTrue(c.command("FETCH 1 (FLAGS").getLast().startsWith("t8 BAD"));
      List<String> logout = c.command("LOGOUT");
      assertEquals("* BYE imap-sync load simulator logging out", logout.get(0));
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void aSelectedSessionGetsChangesWithItsNextCommandAndExpungesNeverDuringFetch() throws Exception {
    String user = "user00005";
    try (RawImap c = RawImap.loggedIn(first(), user)) {
      List<String> select = c.command("SELECT INBOX (CONDSTORE)");
      assertTrue(select.contains("* 20 EXISTS"), select.toString());
      assertTrue(select.getLast().startsWith("t2 OK [READ-WRITE]"));
      sim.expunge(user, "INBOX", 3).orElseThrow();
      sim.expunge(user, "INBOX", 5).orElseThrow();
      sim.deliver(user, "INBOX");
      // A FETCH by sequence number: no EXPUNGE, and the client's numbers still count 3 and 5.
      List<String> fetch = c.command("FETCH 4,6 (UID)");
      assertEquals(List.of("* 4 FETCH (UID 4)", "* 6 FETCH (UID 6)", "t3 OK FETCH completed"), fetch);
      // A NOOP brings the expunges (highest first) and then the new message.
      List<String> noop = c.command("NOOP");
      assertEquals(List.of("* 5 EXPUNGE", "* 3 EXPUNGE", "* 19 EXISTS", "t4 OK NOOP completed"), noop);
      assertEquals(List.of("* 3 FETCH (UID 4)", "* 19 FETCH (UID 21)", "t5 OK FETCH completed"),
          c.command("FETCH 3,19 (UID)"));
      // Flag changes by anyone come as FETCH with MODSEQ (CONDSTORE is on).
      long modSeq = sim.setFlags(user, "INBOX", 4, EnumSet.of(Flag.FLAGGED)).orElseThrow().modSeq();
      assertEquals(List.of("* 3 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (" + modSeq + "))", "t6 OK NOOP completed"),
          c.command("NOOP"));
      List<String> changed = c.command("UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE " + (modSeq - 1) + ")");
      assertEquals(List.of("* 3 FETCH (UID 4 MODSEQ (" + modSeq + ") FLAGS (\\Flagged))", "t7 OK UID FETCH completed"),
          changed);
      assertEquals(List.of("* SEARCH 4 21 (MODSEQ " + modSeq + ")", "t8 OK UID SEARCH completed"),
          c.command("UID SEARCH MODSEQ " + (modSeq - 3)));
      assertEquals("* SEARCH 1 2 4 6", c.command("UID SEARCH UID 1:6").get(0));
    }
  }

  @Test
  void storeAndExpungeFromTheClientReachAnotherSession() throws Exception {
    String user = "user00006";
    try (RawImap a = RawImap.loggedIn(first(), user); RawImap b = RawImap.loggedIn(second, user)) {
      a.command("SELECT INBOX");
      b.command("SELECT INBOX");
      b.send("i IDLE\r\n");
      assertEquals("+ idling", b.readLine());
      java.util.Set<Flag> flags = EnumSet.copyOf(sim.flags(user, "INBOX", 7).orElseThrow());
      flags.add(Flag.DELETED);
      String fetch = "* 7 FETCH (UID 7 FLAGS (" + Flag.imapList(Flag.bits(flags)) + "))";
      List<String> store = a.command("UID STORE 7 +FLAGS (\\Deleted)");
      assertEquals(fetch, store.get(0));
      assertEquals(fetch, b.readLine());
      List<String> expunge = a.command("EXPUNGE");
      assertEquals(List.of("* 7 EXPUNGE", "t4 OK EXPUNGE completed"), expunge.subList(expunge.size() - 2, expunge.size()));
      assertEquals("* 7 EXPUNGE", b.readLine());
      b.send("DONE\r\n");
      assertEquals("i OK IDLE terminated", b.readLine());
      assertFalse(sim.flags(user, "INBOX", 7).isPresent());
      b.command("EXAMINE INBOX");
      assertEquals(List.of("t4 NO [READ-ONLY] the mailbox is read-only"), b.command("STORE 1 +FLAGS (\\Seen)"));
    }
  }

  @Test
  void idleGetsDeliveriesAtOnce() throws Exception {
    String user = "user00007";
    try (RawImap c = RawImap.loggedIn(first(), user)) {
      c.command("SELECT Trash");
      c.send("i IDLE\r\n");
      assertEquals("+ idling", c.readLine());
      Change.Delivered d = sim.deliver(user, "Trash");
      assertEquals("* 6 EXISTS", c.readLine());
      sim.deliver(user, "INBOX"); // another folder: nothing comes
      assertNull(c.pollLine(300));
      c.send("DONE\r\n");
      assertEquals("i OK IDLE terminated", c.readLine());
      List<String> fetch = c.command("UID FETCH " + d.uid() + " (BODY.PEEK[HEADER.FIELDS (Message-ID X-Loadsim-Stamp)])");
      assertTrue(fetch.get(0).contains("Message-ID: " + d.messageId()), fetch.get(0));
      assertTrue(fetch.get(0).contains(Stamps.HEADER + ": " + d.stampMicros()), fetch.get(0));
    }
  }

  @Test
  void stalledUsersAreNeverAnsweredAndBlackholedOnesNotRead() throws Exception {
    try (RawImap before = RawImap.loggedIn(first(), "user00008")) {
      sim.stall(List.of("user00008", "user00009"));
      before.send("a NOOP\r\n");
      assertNull(before.pollLine(300));
      try (RawImap later = new RawImap(first())) {
        assertTrue(later.readLine().startsWith("* OK")); // greeted: the user is not known yet
        later.send("b LOGIN user00008 pw\r\n");
        assertNull(later.pollLine(300));
        Await.until("the stalled login counted", WAIT, () -> sim.connections("user00008") == 2);
      }
      sim.release(List.of("user00008", "user00009"));
      assertTrue(before.command("NOOP").getLast().endsWith("OK NOOP completed"));
    }
    sim.blackhole(List.of("user00010"));
    try (RawImap c = new RawImap(first())) {
      c.readLine();
      c.send("a LOGIN user00010 pw\r\n");
      assertNull(c.pollLine(300));
      Await.until("the blackholed login counted", WAIT, () -> sim.connections("user00010") == 1);
      c.send("b NOOP\r\n");
      assertNull(c.pollLine(300));
    } finally {
      sim.release(List.of("user00010"));
    }
  }

  @Test
  void silentAcceptAndRefusedConnections() throws Exception {
    sim.silentAccept(true);
    try (RawImap c = new RawImap(first())) {
      assertNull(c.pollLine(300));
    } finally {
      sim.silentAccept(false);
    }
    sim.refuseConnections(true);
    try (RawImap c = new RawImap(first())) {
      assertTrue(c.closedByServer());
    } finally {
      sim.refuseConnections(false);
    }
    try (RawImap c = new RawImap(first())) {
      assertTrue(c.readLine().startsWith("* OK"));
    }
  }

  @Test
  void otherProcessesUsersAreRefusedWithUnavailable() throws Exception {
    LoadSimConfig cfg = LoadSimConfig.builder().mailboxes(10).port(0).process(1, 2).ioThreads(1).build();
    try (LoadSimulator p1 = LoadSimulator.start(cfg); RawImap c = new RawImap(p1.boundAddresses().get(0))) {
      assertFalse(p1.owns("user00001"));
      assertTrue(p1.owns("user00002"));
      assertEquals(0, LoadSimulator.processOf(1, 2));
      c.readLine();
      assertEquals("t1 NO [UNAVAILABLE] user00001 is served by load simulator process 0 of 2",
          c.command("LOGIN user00001 pw").getLast());
      assertTrue(c.command("LOGIN user00002 pw").getLast().startsWith("t2 OK"));
      assertEquals(1, p1.connections("user00002"));
    }
  }

  @Test
  void listStatusIdEnableAndNamespace() throws Exception {
    try (RawImap c = RawImap.loggedIn(first(), "user00011")) {
      assertEquals(List.of("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"",
          "* LIST (\\HasNoChildren \\Archive) \"/\" \"Archive\"",
          "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"", "t2 OK LIST completed"),
          c.command("LIST (SPECIAL-USE) \"\" \"*\""));
      assertEquals(List.of("* LIST (\\HasNoChildren) \"/\" \"INBOX\"", "t3 OK LIST completed"),
          c.command("LIST \"\" inbox"));
      assertEquals("* LIST (\\Noselect) \"/\" \"\"", c.command("LIST \"\" \"\"").get(0));
      FolderStatus s = sim.status("user00011", "INBOX");
      assertEquals("* STATUS \"INBOX\" (MESSAGES 20 UIDNEXT 21 UIDVALIDITY " + s.uidValidity() + " UNSEEN " + s.unseen()
          + " HIGHESTMODSEQ 20)", c.command("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)").get(0));
      assertEquals("* ENABLED CONDSTORE", c.command("ENABLE CONDSTORE").get(0));
      assertTrue(c.command("ID (\"name\" \"test\")").get(0).startsWith("* ID (\"name\" \"imap-sync-loadsim\""));
      assertEquals("* NAMESPACE ((\"\" \"/\")) NIL NIL", c.command("NAMESPACE").get(0));
    }
  }
}
