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
import io.imapsync.sync.SyncListener;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Randomised sync: hundreds of appends, flag changes, expunges, UIDVALIDITY resets and changes
 * made while the daemon is down or after it crashed, made by an independent client; then the
 * mirror must equal the server (sync checker) and replaying the events alone must give the same
 * folder (no lost change). Against Dovecot with QRESYNC, with CONDSTORE only, with neither, and
 * against GreenMail (fallback path). The seed is printed; rerun with -Dsync.seed=N.
 */
@Tag("integration")
class SyncRandomizedIntegrationTest {
  private static final String USER = "rand";
  private static final String PASSWORD = "rand-pw";
  private static final String FOLDER = "Work";
  private static final int OPERATIONS = Integer.getInteger("sync.operations", 500);
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
  void dovecotWithQresync() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      run("dovecot-qresync", d.host(), d.port(), true);
    }
  }

  @Test
  void dovecotWithCondstoreOnly() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 SASL-IR ID ENABLE IDLE UIDPLUS LITERAL+ CONDSTORE ESEARCH MOVE SPECIAL-USE"))) {
      run("dovecot-condstore", d.host(), d.port(), true);
    }
  }

  @Test
  void dovecotWithoutCondstore() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 SASL-IR ID IDLE UIDPLUS LITERAL+ MOVE"))) {
      run("dovecot-plain", d.host(), d.port(), true);
    }
  }

  @Test
  void greenMailFallback() throws Exception {
    GreenMail gm = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    gm.start();
    try {
      gm.setUser(USER + "@example.test", USER, PASSWORD);
      run("greenmail", "127.0.0.1", gm.getImap().getPort(), false);
    } finally {
      gm.stop();
    }
  }

  /** The daemon under test, with its own event loops so a "crash" can pull them away abruptly. */
  private static final class Daemon {
    final SharedResources resources = SharedResources.create(1, 1);
    final SyncDaemon daemon;

    Daemon(KeyLayout layout, String host, int port) {
      daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofSeconds(1));
      // Short timeouts: a command the server never answers is retried within the test's deadline.
      daemon.sessionOptions(new io.imapsync.imap.session.SessionOptions(Duration.ofSeconds(10), Duration.ofSeconds(10),
          Duration.ofSeconds(5)));
      daemon.add(new AccountConfig("rand", ImapEndpoint.of(host, port, Security.PLAIN_INSECURE), USER, PASSWORD,
          FOLDER, Set.of("rand@example.test"), 10_000));
    }

    void stop() {
      daemon.close();
      resources.close();
    }

    /** Like kill -9 for the sessions: event loops gone, no LOGOUT, writes cut wherever they were. */
    void crash() {
      resources.close();
      try {
        daemon.close();
      } catch (RuntimeException ignored) {
        // its connections are already gone
      }
    }
  }

  private void run(String name, String host, int port, boolean resets) throws Exception {
    long seed = Long.getLong("sync.seed", System.nanoTime());
    System.out.println("[" + name + "] seed " + seed + " (rerun with -Dsync.seed=" + seed + ")");
    Random random = new Random(seed);
    String prefix = RedisFixture.uniquePrefix("rand-" + name);
    KeyLayout layout = new KeyLayout(prefix, 4);
    Store store = ServerTruth.connect(host, port, USER, PASSWORD);
    Map<String, Integer> counts = new TreeMap<>();
    Daemon daemon = null;
    try {
      Folder work = store.getFolder(FOLDER);
      if (!work.exists()) {
        work.create(Folder.HOLDS_MESSAGES);
      }
      for (int i = 0; i < 5; i++) {
        append(store, name, i);
      }
      daemon = new Daemon(layout, host, port);
      int appended = 5;
      for (int op = 0; op < OPERATIONS; op++) {
        if (op > 0 && op % 25 == 0) {
          // A fresh connection for our independent client now and then: right after a folder is
          // deleted and recreated, Dovecot may answer an old connection "Mailbox was deleted under us".
          store.close();
          store = ServerTruth.connect(host, port, USER, PASSWORD);
        }
        int roll = random.nextInt(100);
        String kind;
        if (roll < 40) {
          append(store, name, appended++);
          kind = "append";
        } else if (roll < 70) {
          kind = changeFlags(store, random) ? "flags" : "flags-noop";
        } else if (roll < 85) {
          kind = expunge(store, random) ? "expunge" : "expunge-noop";
        } else if (roll < 92) {
          daemon.stop();
          daemon = null;
          for (int k = 0; k < 1 + random.nextInt(4); k++) { // changes made while the daemon is down
            append(store, name, appended++);
            changeFlags(store, random);
          }
          expunge(store, random);
          daemon = new Daemon(layout, host, port);
          kind = "restart";
        } else if (roll < 97) {
          daemon.crash();
          append(store, name, appended++);
          daemon = new Daemon(layout, host, port);
          kind = "crash";
        } else if (resets) {
          store.close();
          store = ServerTruth.connect(host, port, USER, PASSWORD);
          Folder f = store.getFolder(FOLDER);
          f.delete(true);
          store.getFolder(FOLDER).create(Folder.HOLDS_MESSAGES);
          store.close(); // a fresh connection: Dovecot's old one remembers the deleted mailbox
          store = ServerTruth.connect(host, port, USER, PASSWORD);
          for (int k = 0; k < 3; k++) {
            append(store, name, appended++);
          }
          kind = "uidvalidity-reset";
        } else {
          kind = "skipped-reset";
        }
        counts.merge(kind, 1, Integer::sum);
      }
      System.out.println("[" + name + "] operations: " + counts);
      ServerTruth.FolderState[] truth = new ServerTruth.FolderState[1];
      @SuppressWarnings("unchecked")
      List<String>[] diffs = new List[1];
      try {
        Await.until("the mirror to converge to the server", Duration.ofSeconds(90), () -> {
          try (Store fresh = ServerTruth.connect(host, port, USER, PASSWORD)) {
            truth[0] = ServerTruth.read(fresh, FOLDER);
          } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
          }
          diffs[0] = SyncChecker.differences(truth[0], redis.sync(), layout, "rand", FOLDER);
          return diffs[0].isEmpty();
        });
      } catch (AssertionError e) {
        throw new AssertionError("[" + name + "] seed " + seed + ": mirror differs from the server:\n  "
            + String.join("\n  ", diffs[0]) + "\n  account state: " + redis.sync().hgetall(layout.accountState("rand")), e);
      }
      // No lost change: the events alone rebuild the folder.
      EventReplay replay = new EventReplay();
      try (var c = redis.connect()) {
        StreamTail tail = new StreamTail(c, layout, true);
        List<FeedEntry> batch;
        while (!(batch = tail.poll(Duration.ofMillis(200))).isEmpty()) {
          for (FeedEntry e : batch) {
            if ("rand".equals(e.accountId())) {
              Schemas.assertValidEvent(e.event()); // everything emitted matches the published schemas
              replay.apply(e);
            }
          }
        }
      }
      TreeMap<Long, Set<String>> fromEvents = new TreeMap<>();
      replay.folder(FOLDER).forEach((uid, flags) -> fromEvents.put(uid, SyncChecker.norm(flags)));
      TreeMap<Long, Set<String>> fromServer = new TreeMap<>();
      truth[0].messages().forEach((uid, e) -> fromServer.put(uid, SyncChecker.norm(e.flags())));
      if (!fromServer.equals(fromEvents)) {
        // For the report: what the events said about each message the two sides disagree on.
        StringBuilder why = new StringBuilder();
        Set<Long> uids = new TreeSet<>(fromServer.keySet());
        uids.addAll(fromEvents.keySet());
        for (long uid : uids) {
          if (!java.util.Objects.equals(fromServer.get(uid), fromEvents.get(uid))) {
            String id = redis.sync().hget(layout.folderUids("rand", FOLDER), Long.toString(uid));
            why.append("\n  UID ").append(uid).append(" server ").append(fromServer.get(uid)).append(" events ")
                .append(fromEvents.get(uid)).append(" id ").append(id).append(": ").append(id == null ? "" : replay.history(id));
          }
        }
        assertEquals(fromServer, fromEvents, "[" + name + "] seed " + seed + ": replaying the events does not give the server's folder" + why);
      }
      System.out.println("[" + name + "] in sync: " + fromServer.size() + " messages; events repeated (same id): "
          + replay.repeats());
      assertTrue(counts.getOrDefault("append", 0) > OPERATIONS / 4);
    } finally {
      if (daemon != null) {
        daemon.stop();
      }
      store.close();
      redis.deleteKeys(prefix);
    }
  }


  /** One operation of our independent client. */
  private interface Op<T> {
    T run(Store store) throws Exception;
  }

  /**
   * Runs an operation; right after a delete and create, Dovecot (maildir) can answer "Mailbox was
   * deleted under us" on a connection that knew the old folder: then it is retried on brand-new
   * connections. Test-client robustness only; the daemon under test copes on its own.
   */
  private static <T> T withRetry(Store store, Op<T> op) throws Exception {
    try {
      return op.run(store);
    } catch (jakarta.mail.MessagingException e) {
      if (!String.valueOf(e.getMessage()).contains("deleted under us")) {
        throw e;
      }
      // Worth knowing in a failure report: a retried APPEND whose first try did land leaves the
      // same message twice in the folder (one id, two UIDs).
      System.out.println("retrying after: " + e.getMessage());
      jakarta.mail.URLName url = store.getURLName();
      for (int attempt = 0; ; attempt++) {
        try (Store fresh = ServerTruth.connect(url.getHost(), url.getPort(), USER, PASSWORD)) {
          Folder f = fresh.getFolder(FOLDER);
          if (!f.exists()) {
            f.create(Folder.HOLDS_MESSAGES);
          }
          return op.run(fresh);
        } catch (jakarta.mail.MessagingException again) {
          if (attempt >= 5 || !String.valueOf(again.getMessage()).contains("deleted under us")) {
            throw again;
          }
        }
      }
    }
  }

  private static void append(Store store, String run, int n) throws Exception {
    withRetry(store, s -> {
      appendOnce(s, run, n);
      return null;
    });
  }

  private static void appendOnce(Store store, String run, int n) throws Exception {
    byte[] raw = ("Message-ID: <r" + n + "." + run + "@example.test>\r\nFrom: Someone <s@example.test>\r\n"
        + "To: rand@example.test\r\nSubject: message " + n + "\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\n"
        + "body " + n + "\r\n").getBytes(StandardCharsets.UTF_8);
    Folder f = store.getFolder(FOLDER);
    f.appendMessages(new Message[] {new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw))});
  }

  private static boolean changeFlags(Store store, Random random) throws Exception {
    long choice = random.nextLong();
    return withRetry(store, s -> changeFlagsOnce(s, new Random(choice)));
  }

  private static boolean changeFlagsOnce(Store store, Random random) throws Exception {
    return onRandomMessage(store, random, m -> {
      Flags.Flag flag = random.nextBoolean() ? Flags.Flag.SEEN : Flags.Flag.FLAGGED;
      m.setFlag(flag, !m.isSet(flag));
    });
  }

  /** Opens the folder read-write, applies the action to a random message; false if the folder is empty. */
  private static boolean onRandomMessage(Store store, Random random, MessageAction action) throws Exception {
    Folder f = store.getFolder(FOLDER);
    f.open(Folder.READ_WRITE);
    try {
      int n = f.getMessageCount();
      if (n == 0) {
        return false;
      }
      action.apply(f.getMessage(1 + random.nextInt(n)));
      return true;
    } finally {
      f.close(false);
    }
  }

  private interface MessageAction {
    void apply(Message m) throws Exception;
  }

  private static boolean expunge(Store store, Random random) throws Exception {
    long choice = random.nextLong();
    return withRetry(store, s -> expungeOnce(s, new Random(choice)));
  }

  private static boolean expungeOnce(Store store, Random random) throws Exception {
    return onRandomMessage(store, random, m -> {
      m.setFlag(Flags.Flag.DELETED, true);
      m.getFolder().expunge();
    });
  }
}
