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
import io.imapsync.imap.session.SessionOptions;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.ConnectionCounter;
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
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Randomised sync of a whole account (every folder, {@code "*"}) within a connection budget:
 * appends, flag changes, expunges and moves across folders, folders created, renamed, deleted and
 * recreated (UIDVALIDITY resets), changes made while the daemon is down or after it was killed.
 * Then every folder's mirror must equal the server (sync checker), the events alone must rebuild
 * every folder, no message that still exists may ever have been announced deleted (a move is one
 * message.moved), and the account never held more connections than its budget (counted by a relay
 * in front of the server). Against Dovecot with NOTIFY, with STATUS polling (CONDSTORE/QRESYNC),
 * with no extension at all, and against GreenMail. The seed is printed; rerun with -Dsync.seed=N.
 */
@Tag("integration")
class MultiFolderRandomizedIntegrationTest {
  private static final String USER = "mf";
  private static final String PASSWORD = "mf-pw";
  private static final String ACCOUNT = "mf";
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
  void dovecotWithNotify() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      run("dovecot-notify", d.host(), d.port(), true, 2);
    }
  }

  @Test
  void dovecotWithStatusPolling() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      run("dovecot-status", d.host(), d.port(), false, 2);
    }
  }

  @Test
  void dovecotWithoutExtensions() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 SASL-IR ID IDLE UIDPLUS LITERAL+ MOVE"))) {
      run("dovecot-plain", d.host(), d.port(), true, 3);
    }
  }

  @Test
  void greenMail() throws Exception {
    GreenMail gm = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    gm.start();
    try {
      gm.setUser(USER + "@example.test", USER, PASSWORD);
      run("greenmail", "127.0.0.1", gm.getImap().getPort(), true, 2);
    } finally {
      gm.stop();
    }
  }

  /** The daemon under test, with its own event loops so a "crash" can pull them away abruptly. */
  private static final class Daemon {
    final SharedResources resources = SharedResources.create(1, 1);
    final SyncDaemon daemon;

    Daemon(KeyLayout layout, int port, boolean notify, int budget) {
      daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofSeconds(1));
      daemon.sessionOptions(new SessionOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5)));
      daemon.add(new AccountConfig(ACCOUNT, ImapEndpoint.of("127.0.0.1", port, Security.PLAIN_INSECURE), USER, PASSWORD,
          List.of(AccountConfig.ALL_FOLDERS), Set.of("mf@example.test"), 10_000, null, budget, Duration.ofMillis(300),
          notify));
    }

    void stop() {
      daemon.close();
      resources.close();
    }

    /**
     * Like kill -9: event loops gone mid-flight, no LOGOUT. The kernel would then close the dead
     * process's sockets; in-process, the relay does that (Netty's stopped loops leave them open).
     */
    void crash(ConnectionCounter counter) {
      resources.close();
      // Dead means dead: no loop of this daemon may still begin a connect after the drop below
      // (a straggler would count against the next daemon's budget at the relay).
      resources.eventLoops().terminationFuture().awaitUninterruptibly(10, java.util.concurrent.TimeUnit.SECONDS);
      // The kernel closes every socket of a killed process, whenever it was opened: a connect the
      // loop began while shutting down can reach the relay after a first drop.
      Await.until("the crashed daemon's connections closed (open: " + counter.open() + ")", Duration.ofSeconds(10),
          () -> {
            counter.dropAll();
            return counter.open() == 0;
          });
      try {
        daemon.close();
      } catch (RuntimeException ignored) {
        // its connections are already gone
      }
    }
  }

  /** Our independent client: a connection that is replaced when the server forgets a folder under it. */
  private static final class Client implements AutoCloseable {
    final String host;
    final int port;
    Store store;

    Client(String host, int port) throws MessagingException {
      this.host = host;
      this.port = port;
      this.store = ServerTruth.connect(host, port, USER, PASSWORD);
    }

    <T> T run(Op<T> op) throws Exception {
      try {
        return op.run(store);
      } catch (MessagingException | IllegalStateException e) {
        // Dovecot answers "Mailbox was deleted under us" on a connection that knew a folder since
        // deleted or renamed: retry once on a fresh connection (test-client robustness only).
        reconnect();
        return op.run(store);
      }
    }

    void reconnect() throws MessagingException {
      try {
        store.close();
      } catch (MessagingException ignored) {
        // replaced anyway
      }
      store = ServerTruth.connect(host, port, USER, PASSWORD);
    }

    @Override
    public void close() throws MessagingException {
      store.close();
    }
  }

  private interface Op<T> {
    T run(Store store) throws Exception;
  }

  private void run(String name, String host, int serverPort, boolean notify, int budget) throws Exception {
    long seed = Long.getLong("sync.seed", System.nanoTime());
    System.out.println("[mf " + name + "] seed " + seed + " (rerun with -Dsync.seed=" + seed + ")");
    Random random = new Random(seed);
    String prefix = RedisFixture.uniquePrefix("mf-" + name);
    KeyLayout layout = new KeyLayout(prefix, 4);
    Map<String, Integer> counts = new TreeMap<>();
    Daemon daemon = null;
    try (ConnectionCounter counter = new ConnectionCounter(host, serverPort); Client client = new Client(host, serverPort)) {
      for (String f : List.of("Archive", "Trash", "Work")) {
        client.run(s -> {
          Folder folder = s.getFolder(f);
          if (!folder.exists()) {
            folder.create(Folder.HOLDS_MESSAGES);
          }
          return null;
        });
      }
      int[] next = {0};
      for (int i = 0; i < 6; i++) {
        append(client, folders(client).get(i % 4), name, next[0]++);
      }
      daemon = new Daemon(layout, counter.port(), notify, budget);
      int folderNames = 0;
      for (int op = 0; op < OPERATIONS; op++) {
        if (op > 0 && op % 25 == 0) {
          client.reconnect();
        }
        int roll = random.nextInt(100);
        List<String> folders = folders(client);
        String kind;
        if (roll < 30) {
          append(client, pick(folders, random), name, next[0]++);
          kind = "append";
        } else if (roll < 48) {
          kind = onRandomMessage(client, pick(folders, random), random, (f, m) -> {
            Flags.Flag flag = random.nextBoolean() ? Flags.Flag.SEEN : Flags.Flag.FLAGGED;
            m.setFlag(flag, !m.isSet(flag));
          }) ? "flags" : "flags-noop";
        } else if (roll < 58) {
          kind = onRandomMessage(client, pick(folders, random), random, (f, m) -> {
            m.setFlag(Flags.Flag.DELETED, true);
            f.expunge();
          }) ? "expunge" : "expunge-noop";
        } else if (roll < 80) {
          kind = move(client, folders, random) ? "move" : "move-noop";
        } else if (roll < 83) {
          List<String> renamable = folders.stream().filter(f -> !f.equals("INBOX")).toList();
          String to = "F" + (++folderNames);
          if (!renamable.isEmpty()) {
            String from = pick(renamable, random);
            client.run(s -> s.getFolder(from).renameTo(s.getFolder(to)));
          }
          client.reconnect();
          kind = "rename";
        } else if (roll < 85) {
          String f = "N" + (++folderNames);
          client.run(s -> s.getFolder(f).create(Folder.HOLDS_MESSAGES));
          kind = "create";
        } else if (roll < 91) {
          daemon.stop();
          daemon = null;
          awaitClosed(counter, "stop");
          for (int k = 0; k < 1 + random.nextInt(3); k++) { // changes made while the daemon is down
            append(client, pick(folders, random), name, next[0]++);
            move(client, folders, random);
          }
          daemon = new Daemon(layout, counter.port(), notify, budget);
          kind = "restart";
        } else if (roll < 95) {
          daemon.crash(counter);
          awaitClosed(counter, "crash");
          append(client, pick(folders, random), name, next[0]++);
          move(client, folders, random);
          daemon = new Daemon(layout, counter.port(), notify, budget);
          kind = "crash";
        } else if (roll < 97) {
          // Delete and recreate a folder: a new UIDVALIDITY, its messages really gone.
          List<String> candidates = folders.stream().filter(f -> !f.equals("INBOX")).toList();
          if (!candidates.isEmpty()) {
            String f = pick(candidates, random);
            client.run(s -> s.getFolder(f).delete(true));
            client.run(s -> s.getFolder(f).create(Folder.HOLDS_MESSAGES));
            client.reconnect();
            append(client, f, name, next[0]++);
          }
          kind = "uidvalidity-reset";
        } else {
          append(client, "INBOX", name, next[0]++);
          kind = "append-inbox";
        }
        counts.merge(kind, 1, Integer::sum);
      }
      System.out.println("[mf " + name + "] operations: " + counts);

      List<String>[] diffs = new List[] {List.of()};
      try {
        Await.until("every folder's mirror to converge to the server", Duration.ofSeconds(120), () -> {
          try {
            client.reconnect();
            diffs[0] = differences(client.store, layout);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return diffs[0].isEmpty();
        });
      } catch (AssertionError e) {
        throw new AssertionError("[mf " + name + "] seed " + seed + ": mirror differs from the server:\n  "
            + String.join("\n  ", diffs[0]) + "\n  account state: " + redis.sync().hgetall(layout.accountState(ACCOUNT))
            + histories(layout, diffs[0]), e);
      }

      // No lost change: the events alone rebuild every folder; a move never looked like a deletion.
      EventReplay replay = new EventReplay();
      try (var c = redis.connect()) {
        StreamTail tail = new StreamTail(c, layout, true);
        List<FeedEntry> batch;
        while (!(batch = tail.poll(Duration.ofMillis(200))).isEmpty()) {
          for (FeedEntry e : batch) {
            if (ACCOUNT.equals(e.accountId())) {
              Schemas.assertValidEvent(e.event());
              replay.apply(e);
            }
          }
        }
      }
      Set<String> live = new HashSet<>();
      for (String f : folders(client)) {
        ServerTruth.FolderState truth = ServerTruth.read(client.store, f);
        TreeMap<Long, Set<String>> fromServer = new TreeMap<>();
        truth.messages().forEach((uid, e) -> fromServer.put(uid, SyncChecker.norm(e.flags())));
        TreeMap<Long, Set<String>> fromEvents = new TreeMap<>();
        replay.folder(f).forEach((uid, flags) -> fromEvents.put(uid, SyncChecker.norm(flags)));
        assertEquals(fromServer, fromEvents, "[mf " + name + "] seed " + seed + ": replaying the events does not give " + f);
        live.addAll(redis.sync().hvals(layout.folderUids(ACCOUNT, f)));
      }
      Set<String> wronglyDeleted = new TreeSet<>(replay.deletedIds());
      wronglyDeleted.retainAll(live);
      StringBuilder why = new StringBuilder();
      for (String id : wronglyDeleted) {
        why.append("\n  ").append(id).append(": ").append(replay.history(id));
      }
      assertEquals(Set.of(), wronglyDeleted, "[mf " + name + "] seed " + seed
          + ": messages that still exist were announced deleted (a move must be message.moved)" + why);
      assertTrue(replay.moves() > 0, "[mf " + name + "] no message.moved at all");
      assertTrue(counter.maxOpen() <= budget, "[mf " + name + "] seed " + seed + ": the account held "
          + counter.maxOpen() + " connections at once; its budget is " + budget + "; the relay saw:\n  "
          + counter.historyAtMax());
      System.out.println("[mf " + name + "] in sync: " + live.size() + " messages in " + folders(client).size()
          + " folders; moves " + replay.moves() + "; most connections at once " + counter.maxOpen() + " (budget "
          + budget + ", " + counter.total() + " opened in all); events repeated (same id): " + replay.repeats());
    } finally {
      if (daemon != null) {
        daemon.stop();
      }
      redis.deleteKeys(prefix);
    }
  }

  /** A stopped or killed daemon holds no connection any more (its budget is free for the next owner). */
  private static void awaitClosed(ConnectionCounter counter, String after) {
    Await.until("every connection closed after the " + after + " (open: " + counter.open() + ")", Duration.ofSeconds(10),
        () -> counter.open() == 0);
  }

  /** For a failure report: what the events said about the messages a difference names ("F UID n: ..."). */
  private static String histories(KeyLayout layout, List<String> diffs) {
    EventReplay replay = new EventReplay();
    try (var c = redis.connect()) {
      StreamTail tail = new StreamTail(c, layout, true);
      List<FeedEntry> batch;
      while (!(batch = tail.poll(Duration.ofMillis(200))).isEmpty()) {
        batch.stream().filter(e -> ACCOUNT.equals(e.accountId())).forEach(replay::apply);
      }
    }
    StringBuilder out = new StringBuilder();
    for (String d : diffs) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\S+) UID (\\d+):").matcher(d);
      if (m.find()) {
        String id = redis.sync().hget(layout.folderUids(ACCOUNT, m.group(1)), m.group(2));
        if (id != null) {
          out.append("\n  ").append(m.group(1)).append('/').append(m.group(2)).append(" = ").append(id).append(": ")
              .append(replay.history(id));
        }
      }
    }
    return out.toString();
  }

  /** Every folder compared, the set of mirrored folders too, and nothing left undecided. */
  private static List<String> differences(Store store, KeyLayout layout) throws Exception {
    List<String> diffs = new ArrayList<>();
    List<String> folders = new ArrayList<>();
    for (Folder f : store.getDefaultFolder().list("*")) {
      if ((f.getType() & Folder.HOLDS_MESSAGES) != 0) {
        folders.add(f.getFullName().equalsIgnoreCase("INBOX") ? "INBOX" : f.getFullName());
      }
    }
    Set<String> mirrored = new TreeSet<>(redis.sync().hkeys(layout.folders(ACCOUNT)));
    if (!mirrored.equals(new TreeSet<>(folders))) {
      diffs.add("folders: server " + new TreeSet<>(folders) + ", mirror " + mirrored);
    }
    for (String f : folders) {
      diffs.addAll(SyncChecker.differences(ServerTruth.read(store, f), redis.sync(), layout, ACCOUNT, f));
    }
    long gone = redis.sync().hlen(layout.gone(ACCOUNT));
    if (gone > 0) {
      diffs.add(gone + " message(s) still on the gone list");
    }
    return diffs;
  }

  private static List<String> folders(Client client) throws Exception {
    return client.run(s -> {
      List<String> out = new ArrayList<>();
      for (Folder f : s.getDefaultFolder().list("*")) {
        if ((f.getType() & Folder.HOLDS_MESSAGES) != 0) {
          out.add(f.getFullName().equalsIgnoreCase("INBOX") ? "INBOX" : f.getFullName());
        }
      }
      out.sort(null);
      return out;
    });
  }

  private static String pick(List<String> list, Random random) {
    return list.get(random.nextInt(list.size()));
  }

  private static void append(Client client, String folder, String run, int n) throws Exception {
    byte[] raw = ("Message-ID: <mf" + n + "." + run + "@example.test>\r\nFrom: Someone <s@example.test>\r\n"
        + "To: mf@example.test\r\nSubject: message " + n + "\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\n"
        + "body " + n + "\r\n").getBytes(StandardCharsets.UTF_8);
    client.run(s -> {
      s.getFolder(folder).appendMessages(new Message[] {
          new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw))});
      return null;
    });
  }

  private interface MessageAction {
    void apply(Folder f, Message m) throws Exception;
  }

  private static boolean onRandomMessage(Client client, String folder, Random random, MessageAction action)
      throws Exception {
    long choice = random.nextLong();
    return client.run(s -> {
      Folder f = s.getFolder(folder);
      f.open(Folder.READ_WRITE);
      try {
        int n = f.getMessageCount();
        if (n == 0) {
          return false;
        }
        action.apply(f, f.getMessage(1 + new Random(choice).nextInt(n)));
        return true;
      } finally {
        f.close(false);
      }
    });
  }

  /** UID MOVE (RFC 6851) of a random message to another folder. */
  private static boolean move(Client client, List<String> folders, Random random) throws Exception {
    if (folders.size() < 2) {
      return false;
    }
    String from = pick(folders, random);
    List<String> others = folders.stream().filter(f -> !f.equals(from)).toList();
    String to = pick(others, random);
    return onRandomMessage(client, from, random, (f, m) -> ((IMAPFolder) f).moveMessages(new Message[] {m},
        f.getStore().getFolder(to)));
  }

}
