package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.it.support.EventReplay;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.Schemas;
import io.imapsync.it.support.ServerTruth;
import io.imapsync.it.support.SyncChecker;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One message twice in one folder (a client's retried APPEND, a filter that files a copy, a
 * COPY into the same folder): both places mirrored with their own flags, each place's changes
 * reach the feed, removing one place is not a deletion, removing the last is. Without stable
 * server ids (no EMAILID here) both places share one message id, so any keying by id alone
 * collapses them; a randomised run caught that once.
 */
@Tag("integration")
class DuplicateMessagesIntegrationTest {
  private static final String USER = "dup";
  private static final String PASSWORD = "dup-pw";
  private static final String ACCOUNT = "dup";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static RedisFixture redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisFixture.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Test
  void dovecotWithCondstoreOnly() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 SASL-IR ID ENABLE IDLE UIDPLUS LITERAL+ CONDSTORE ESEARCH MOVE SPECIAL-USE"))) {
      scenario("condstore", d.host(), d.port(), Duration.ofMinutes(4));
    }
  }

  @Test
  void dovecotWithQresync() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      scenario("qresync", d.host(), d.port(), Duration.ofMinutes(4));
    }
  }

  @Test
  void dovecotWithoutExtensions() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 SASL-IR ID IDLE UIDPLUS LITERAL+ MOVE"))) {
      scenario("plain", d.host(), d.port(), Duration.ofMinutes(4));
    }
  }

  @Test
  void greenMail() throws Exception {
    GreenMail gm = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    gm.start();
    try {
      gm.setUser(USER + "@example.test", USER, PASSWORD);
      // GreenMail tells an idle session nothing of another session's flag changes: the daemon
      // finds them at the IDLE renewal (documented), here every 2 s instead of every 4 minutes.
      scenario("greenmail", "127.0.0.1", gm.getImap().getPort(), Duration.ofSeconds(2));
    } finally {
      gm.stop();
    }
  }

  private void scenario(String name, String host, int port, Duration idleRenewal) throws Exception {
    String prefix = RedisFixture.uniquePrefix("dup-" + name);
    KeyLayout layout = new KeyLayout(prefix, 4);
    try (SharedResources resources = SharedResources.create(1, 1);
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, idleRenewal);
         var tailConnection = redis.connect();
         Store store = ServerTruth.connect(host, port, USER, PASSWORD)) {
      appendTwice(store);
      AccountSync account = daemon.add(new AccountConfig(ACCOUNT, ImapEndpoint.of(host, port, Security.PLAIN_INSECURE),
          USER, PASSWORD, List.of("INBOX"), Set.of("dup@example.test"), 1000, null, 2, Duration.ofMillis(300), false));
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> events = new ArrayList<>();
      Await.until("the account idle", WAIT, () -> account.state() == WatcherState.IDLE);
      assertConverged(name + " initial", store, layout, tail, events);

      appendTwice(store); // two more places of a second message, while idle
      assertConverged(name + " appended while idle", store, layout, tail, events);

      long[] uids = uids(store);
      setFlag(store, uids[1], Flags.Flag.FLAGGED, true); // one place only
      assertConverged(name + " one place flagged", store, layout, tail, events);
      setFlag(store, uids[0], Flags.Flag.FLAGGED, true); // the other place catches up: still a change of that place
      assertConverged(name + " both places flagged", store, layout, tail, events);
      setFlag(store, uids[0], Flags.Flag.SEEN, true);
      assertConverged(name + " one place seen", store, layout, tail, events);

      expunge(store, uids[0]); // a place left, the message stays
      assertConverged(name + " one place expunged", store, layout, tail, events);
      expunge(store, uids[1]); // the last place: a deletion
      assertConverged(name + " last place expunged", store, layout, tail, events);

      List<String> deleted = new ArrayList<>();
      for (FeedEntry e : events) {
        Schemas.assertValidEvent(e.event());
        if (e.type().equals("message.deleted")) {
          deleted.add(e.event().path("payload").path("message_id").asText(e.event().path("payload").path("id").asText()));
        }
      }
      assertEquals(1, deleted.size(), name + ": only the message whose last place went is deleted: " + deleted);
    } finally {
      redis.deleteKeys(prefix);
    }
  }

  /** The mirror equals the server, and so do the events replayed from the start. */
  private void assertConverged(String step, Store store, KeyLayout layout, StreamTail tail, List<FeedEntry> events) {
    List<String>[] diffs = new List[1];
    TreeMap<Long, Set<String>>[] sides = new TreeMap[2];
    try {
      Await.until(step + ": mirror and feed equal the server", WAIT, () -> {
        ServerTruth.FolderState truth;
        try {
          truth = ServerTruth.read(store, "INBOX");
        } catch (jakarta.mail.MessagingException e) {
          throw new IllegalStateException(e);
        }
        diffs[0] = SyncChecker.differences(truth, redis.sync(), layout, ACCOUNT, "INBOX");
        for (FeedEntry e : tail.poll(Duration.ofMillis(50))) {
          if (ACCOUNT.equals(e.accountId())) {
            events.add(e);
          }
        }
        EventReplay replay = new EventReplay();
        events.forEach(replay::apply);
        sides[0] = new TreeMap<>();
        truth.messages().forEach((uid, m) -> sides[0].put(uid, SyncChecker.norm(m.flags())));
        sides[1] = new TreeMap<>();
        replay.folder("INBOX").forEach((uid, flags) -> sides[1].put(uid, SyncChecker.norm(flags)));
        return diffs[0].isEmpty() && sides[0].equals(sides[1]);
      });
    } catch (AssertionError e) {
      throw new AssertionError(step + ": mirror differences " + diffs[0] + "; server " + sides[0] + " vs events "
          + sides[1], e);
    }
  }

  private static void appendTwice(Store store) throws Exception {
    String n = Long.toString(System.nanoTime());
    byte[] raw = ("Message-ID: <twice" + n + "@example.test>\r\nFrom: Someone <s@example.test>\r\nTo: dup@example.test\r\n"
        + "Subject: twice\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\nthe same bytes twice\r\n")
        .getBytes(StandardCharsets.UTF_8);
    Session session = Session.getInstance(new Properties());
    store.getFolder("INBOX").appendMessages(new Message[] {
        new MimeMessage(session, new ByteArrayInputStream(raw)), new MimeMessage(session, new ByteArrayInputStream(raw))});
  }

  private static long[] uids(Store store) throws Exception {
    Folder f = store.getFolder("INBOX");
    f.open(Folder.READ_ONLY);
    try {
      Message[] all = f.getMessages();
      long[] out = new long[all.length];
      for (int i = 0; i < all.length; i++) {
        out[i] = ((UIDFolder) f).getUID(all[i]);
      }
      assertTrue(out.length >= 2);
      return out;
    } finally {
      f.close(false);
    }
  }

  private static void setFlag(Store store, long uid, Flags.Flag flag, boolean on) throws Exception {
    Folder f = store.getFolder("INBOX");
    f.open(Folder.READ_WRITE);
    try {
      ((UIDFolder) f).getMessageByUID(uid).setFlag(flag, on);
    } finally {
      f.close(false);
    }
  }

  private static void expunge(Store store, long uid) throws Exception {
    Folder f = store.getFolder("INBOX");
    f.open(Folder.READ_WRITE);
    try {
      ((UIDFolder) f).getMessageByUID(uid).setFlag(Flags.Flag.DELETED, true);
      f.expunge();
    } finally {
      f.close(false);
    }
  }
}
