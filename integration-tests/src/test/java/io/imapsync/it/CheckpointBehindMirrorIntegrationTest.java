package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.it.support.EventReplay;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.ServerTruth;
import io.imapsync.it.support.SyncChecker;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A connection can read a folder's checkpoint just before another connection's last batch lands
 * (the previous owner's, a connection being replaced): its UIDNEXT is then behind the mirror. On a
 * server with CONDSTORE but not QRESYNC, expunges are found by comparing {@code UID SEARCH} of the
 * UIDs below UIDNEXT with the mirror; the newer message counted as expunged (it went on the gone
 * list and came back as a {@code message.moved} from the folder to itself when it was fetched
 * again). Here the checkpoint is set back as that connection would have read it: the restarted
 * daemon must leave the message where it is, with no event about it.
 */
@Tag("integration")
class CheckpointBehindMirrorIntegrationTest {
  private static final String USER = "late";
  private static final String PASSWORD = "late-pw";
  private static final String FOLDER = "Work";
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
  void aMirroredMessageAboveTheCheckpointStaysWhereItIs() throws Exception {
    String prefix = RedisFixture.uniquePrefix("late");
    KeyLayout layout = new KeyLayout(prefix, 4);
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
            .imapCapability("IMAP4rev1 SASL-IR ID ENABLE IDLE UIDPLUS LITERAL+ CONDSTORE ESEARCH MOVE"));
         Store store = ServerTruth.connect(d.host(), d.port(), USER, PASSWORD)) {
      store.getFolder(FOLDER).create(Folder.HOLDS_MESSAGES);
      for (int i = 1; i <= 4; i++) {
        append(store, i);
      }
      AccountConfig account = new AccountConfig("late", ImapEndpoint.of(d.host(), d.port(), Security.PLAIN_INSECURE),
          USER, PASSWORD, FOLDER, Set.of("late@example.test"), 1000);
      runUntilInSync(layout, account, store, d);
      String state = layout.folderState("late", FOLDER);
      assertEquals("5", redis.sync().hget(state, "uidnext"));
      String fourth = redis.sync().hget(layout.folderUids("late", FOLDER), "4");

      // What a connection sees when it reads the checkpoint before the batch that mirrored UID 4 lands.
      redis.sync().hset(state, "uidnext", "4");
      runUntilInSync(layout, account, store, d);
      assertEquals("5", redis.sync().hget(state, "uidnext"), "the checkpoint caught up again");

      EventReplay replay = new EventReplay();
      try (var c = redis.connect()) {
        StreamTail tail = new StreamTail(c, layout, true);
        List<FeedEntry> batch;
        while (!(batch = tail.poll(Duration.ofMillis(200))).isEmpty()) {
          batch.stream().filter(e -> "late".equals(e.accountId())).forEach(replay::apply);
        }
      }
      assertEquals(Set.of(), replay.deletedIds(), "nothing was deleted; UID 4's history: " + replay.history(fourth));
      // Nor taken out and put back: UID 4 never left its place (no message.moved from Work to Work).
      assertEquals(List.of("message.created"), replay.history(fourth).stream().map(h -> h.split(" ")[0]).toList(),
          "UID 4's history: " + replay.history(fourth));
      assertEquals(Set.of(1L, 2L, 3L, 4L), replay.folder(FOLDER).keySet(), "the events alone give the folder");
    } finally {
      redis.deleteKeys(prefix);
    }
  }

  /** Starts a daemon, waits until the mirror equals the server and the watcher idles, stops it. */
  private static void runUntilInSync(KeyLayout layout, AccountConfig config, Store store, DovecotServer d)
      throws Exception {
    try (SharedResources resources = SharedResources.create(1, 1);
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4))) {
      AccountSync account = daemon.add(config);
      List<String>[] diffs = new List[] {List.of()};
      try {
        Await.until("the mirror of " + FOLDER + " equal to the server, the watcher idle", WAIT, () -> {
          try {
            diffs[0] = SyncChecker.differences(ServerTruth.read(store, FOLDER), redis.sync(), layout, "late", FOLDER);
          } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
          }
          return diffs[0].isEmpty() && account.state() == WatcherState.IDLE;
        });
      } catch (AssertionError e) {
        throw new AssertionError("mirror differs: " + diffs[0], e);
      }
    }
  }

  private static void append(Store store, int n) throws Exception {
    byte[] raw = ("Message-ID: <late" + n + "@example.test>\r\nFrom: Someone <s@example.test>\r\n"
        + "To: late@example.test\r\nSubject: message " + n + "\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\n"
        + "body " + n + "\r\n").getBytes(StandardCharsets.UTF_8);
    store.getFolder(FOLDER).appendMessages(new Message[] {
        new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw))});
  }
}
