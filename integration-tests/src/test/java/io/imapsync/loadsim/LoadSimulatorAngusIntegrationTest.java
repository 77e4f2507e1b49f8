package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.Await;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageChangedEvent;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.event.MessageCountListener;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.ResyncData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The simulator against an independent IMAP client, Jakarta Mail (Angus): what a mail client
 * does (log in, list, select with CONDSTORE, fetch and parse, STATUS, IDLE) must work, and the
 * API's changes must reach it. Each test uses its own user.
 */
@Tag("integration")
@Timeout(60)
class LoadSimulatorAngusIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static LoadSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = LoadSimulator.start(LoadSimConfig.builder().mailboxes(50).port(0).ioThreads(1).build());
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private static Store connect(String user, boolean useLogin) throws MessagingException {
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "5000");
    p.put("mail.imap.timeout", "10000");
    p.put("mail.debug", "false"); // "true" shows the protocol exchange in the test output
    if (useLogin) {
      p.put("mail.imap.auth.plain.disable", "true"); // LOGIN instead of AUTHENTICATE PLAIN
    }
    Store store = Session.getInstance(p).getStore("imap");
    store.connect("127.0.0.1", sim.port(), user, "pw");
    return store;
  }

  @Test
  void logsInBothWaysAndListsFoldersWithTheirSpecialUse() throws Exception {
    for (boolean login : new boolean[] {true, false}) {
      Store store = connect("user00001", login);
      try {
        Folder[] all = store.getDefaultFolder().list("*");
        List<String> names = Arrays.stream(all).map(Folder::getFullName).toList();
        assertEquals(List.of("INBOX", "Sent", "Archive", "Trash"), names);
        IMAPFolder sent = (IMAPFolder) store.getFolder("Sent");
        assertTrue(Arrays.asList(sent.getAttributes()).contains("\\Sent"), Arrays.toString(sent.getAttributes()));
        IMAPFolder trash = (IMAPFolder) store.getFolder("Trash");
        assertTrue(Arrays.asList(trash.getAttributes()).contains("\\Trash"));
      } finally {
        store.close();
      }
    }
  }

  @Test
  void selectsWithCondstoreAndServesMessagesThatParse() throws Exception {
    Store store = connect("user00002", false);
    try {
      IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
      inbox.open(Folder.READ_WRITE, ResyncData.CONDSTORE);
      FolderStatus truth = sim.status("user00002", "INBOX");
      assertEquals(20, inbox.getMessageCount());
      assertEquals(truth.uidValidity(), inbox.getUIDValidity());
      assertEquals(truth.highestModSeq(), inbox.getHighestModSeq());
      assertEquals(truth.uidNext(), inbox.getUIDNext());

      IMAPMessage m = (IMAPMessage) inbox.getMessageByUID(1);
      assertNotNull(m.getSubject());
      assertNotNull(m.getSentDate());
      assertNotNull(m.getReceivedDate());
      InternetAddress to = (InternetAddress) m.getRecipients(Message.RecipientType.TO)[0];
      assertEquals("user00002@loadsim.test", to.getAddress());
      String[] ids = m.getHeader("Message-ID");
      assertTrue(ids[0].matches("<i\\d+\\.1\\.0\\.user00002@loadsim\\.test>"), ids[0]);
      assertEquals(1, m.getModSeq());
      Object content = m.getContent(); // BODYSTRUCTURE, then the text part
      assertTrue(content instanceof String s && s.contains("-- \r\n"), String.valueOf(content));
      assertTrue(m.getSize() >= 1500 && m.getSize() <= 5000, "size " + m.getSize());

      // The raw bytes agree with the API's copy, and parse as a whole with the same headers.
      byte[] raw = sim.messageBytes("user00002", "INBOX", 1).orElseThrow();
      MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
      assertEquals(m.getSubject(), parsed.getSubject());
      assertEquals(ids[0], parsed.getMessageID());
      assertEquals(raw.length, m.getSize());

      // Initial messages are read except the newest few, which Angus sees the same way.
      assertEquals(sim.status("user00002", "INBOX").unseen(), inbox.getUnreadMessageCount());
    } finally {
      store.close();
    }
  }

  @Test
  void deliveriesCarryTheirStampAndAMessageIdOfTheirOwn() throws Exception {
    Change.Delivered a = sim.deliver("user00003", "INBOX");
    Change.Delivered b = sim.deliver("user00003", "INBOX");
    assertNotEquals(a.messageId(), b.messageId());
    assertEquals(a.uid() + 1, b.uid());
    Store store = connect("user00003", false);
    try {
      IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      for (Change.Delivered d : List.of(a, b)) {
        Message m = inbox.getMessageByUID(d.uid());
        assertEquals(String.valueOf(d.stampMicros()), m.getHeader(Stamps.HEADER)[0]);
        assertEquals(d.messageId(), m.getHeader("Message-ID")[0]);
        assertEquals(d.stampMicros(), Stamps.parse(m.getHeader(Stamps.HEADER)[0]).orElseThrow());
        assertFalse(m.isSet(Flags.Flag.SEEN));
      }
    } finally {
      store.close();
    }
  }

  @Test
  void idlePushesDeliveriesFlagChangesAndExpunges() throws Exception {
    String user = "user00004";
    Store store = connect(user, false);
    IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
    inbox.open(Folder.READ_WRITE, ResyncData.CONDSTORE);
    ConcurrentLinkedQueue<MessageCountEvent> counts = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<MessageChangedEvent> changes = new ConcurrentLinkedQueue<>();
    inbox.addMessageCountListener(new MessageCountListener() {
      @Override
      public void messagesAdded(MessageCountEvent e) {
        counts.add(e);
      }

      @Override
      public void messagesRemoved(MessageCountEvent e) {
        counts.add(e);
      }
    });
    inbox.addMessageChangedListener(changes::add);
    int idleBefore = sim.idleConnections();
    List<Throwable> idleFailure = new ArrayList<>();
    Thread idler = Thread.ofPlatform().name("angus-idle").start(() -> {
      try {
        inbox.idle(); // returns when another thread uses the folder
      } catch (Throwable t) {
        idleFailure.add(t);
      }
    });
    try {
      Await.until("the client in IDLE", WAIT, () -> sim.idleConnections() == idleBefore + 1);

      Change.Delivered d = sim.deliver(user, "INBOX");
      MessageCountEvent added = Await.until("EXISTS pushed for the delivery", WAIT,
          () -> counts.stream().filter(e -> e.getType() == MessageCountEvent.ADDED).findFirst().orElse(null));
      assertEquals(21, added.getMessages()[0].getMessageNumber());

      sim.setFlags(user, "INBOX", 2, EnumSet.of(Flag.SEEN, Flag.FLAGGED)).orElseThrow();
      MessageChangedEvent changed = Await.until("FETCH FLAGS pushed for the flag change", WAIT,
          () -> changes.stream().filter(e -> e.getMessage().getMessageNumber() == 2).findFirst().orElse(null));
      assertEquals(MessageChangedEvent.FLAGS_CHANGED, changed.getMessageChangeType());

      sim.expunge(user, "INBOX", 3).orElseThrow();
      MessageCountEvent removed = Await.until("EXPUNGE pushed", WAIT,
          () -> counts.stream().filter(e -> e.getType() == MessageCountEvent.REMOVED).findFirst().orElse(null));
      assertEquals(3, removed.getMessages()[0].getMessageNumber());
      assertTrue(removed.getMessages()[0].isExpunged());
      assertTrue(idleFailure.isEmpty(), idleFailure.toString());
    } finally {
      inbox.close(false);
      idler.join(10_000);
      store.close();
    }
    assertTrue(sim.flags(user, "INBOX", 2).orElseThrow().contains(Flag.FLAGGED));
  }

  @Test
  void statusAgreesWithTheApiAfterDeliveriesAndFlagChanges() throws Exception {
    String user = "user00005";
    for (int i = 0; i < 3; i++) {
      sim.deliver(user, "Archive");
    }
    sim.removeFlags(user, "Archive", 1, EnumSet.of(Flag.SEEN)).orElseThrow();
    FolderStatus truth = sim.status(user, "Archive");
    assertEquals(8, truth.messages());
    assertEquals(4, truth.unseen()); // three new, one marked unread
    Store store = connect(user, false);
    try {
      IMAPFolder archive = (IMAPFolder) store.getFolder("Archive");
      assertEquals(truth.messages(), archive.getMessageCount());
      assertEquals(truth.unseen(), archive.getUnreadMessageCount());
      assertEquals(truth.uidNext(), archive.getUIDNext());
      assertEquals(truth.uidValidity(), archive.getUIDValidity());
      assertEquals(truth.highestModSeq(), archive.getStatusItem("HIGHESTMODSEQ"));
    } finally {
      store.close();
    }
  }

  @Test
  void countsConnectionsPerUser() throws Exception {
    String user = "user00006";
    List<Store> stores = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        stores.add(connect(user, i % 2 == 0));
      }
      assertEquals(3, sim.connections(user));
      assertEquals(3, sim.maxConnections(user));
      assertEquals(3, sim.connectionsPerUser().get(user));
      assertTrue(sim.maxConnectionsPerUser() >= 3);
    } finally {
      for (Store s : stores) {
        s.close();
      }
    }
    Await.until("connections closed", WAIT, () -> sim.connections(user) == 0);
    assertEquals(3, sim.maxConnections(user)); // the high-water mark stays
    assertFalse(sim.connectionsPerUser().containsKey(user));
  }

  @Test
  void refusedLoginsGetNo() throws Exception {
    sim.refuseLogins(u -> u.equals("user00007"));
    try {
      AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> connect("user00007", true));
      assertTrue(e.getMessage().contains("refused"), e.getMessage());
      connect("user00008", true).close(); // others still get in
    } finally {
      sim.refuseLogins(false);
    }
    connect("user00007", true).close();
    assertThrows(AuthenticationFailedException.class, () -> {
      Properties p = new Properties();
      Store s = Session.getInstance(p).getStore("imap");
      s.connect("127.0.0.1", sim.port(), "user00009", "wrong");
    });
  }

  @Test
  void dropAllConnectionsClosesEveryOne() throws Exception {
    Store a = connect("user00010", false);
    Store b = connect("user00011", true);
    IMAPFolder inbox = (IMAPFolder) a.getFolder("INBOX");
    inbox.open(Folder.READ_ONLY);
    try (RawImap raw = new RawImap(sim.boundAddresses().get(0))) {
      raw.readLine();
      Await.until("three connections", WAIT, () -> sim.totalConnections() >= 3);
      sim.dropAllConnections();
      Await.until("the simulator counts no connection", WAIT, () -> sim.totalConnections() == 0);
      assertTrue(raw.closedByServer());
      assertFalse(b.isConnected()); // its NOOP fails on the closed socket
      assertThrows(MessagingException.class, () -> inbox.getMessage(1).getSubject());
    } finally {
      a.close();
      b.close();
    }
    connect("user00010", false).close(); // and it takes new ones
  }

  @Test
  void sameMessageBytesEveryTime() throws Exception {
    byte[] first = sim.messageBytes("user00012", "Sent", 2).orElseThrow();
    assertArrayEquals(first, sim.messageBytes("user00012", "Sent", 2).orElseThrow());
    MimeMessage sent = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(first));
    assertEquals("user00012@loadsim.test", ((InternetAddress) sent.getFrom()[0]).getAddress()); // Sent: from the user
  }
}
