package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.ScriptedImapServer;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * RFC 5465 §5.8: {@code * OK [NOTIFICATIONOVERFLOW]} means the server stopped notifying. A server
 * (scripted) that announces NOTIFY, takes NOTIFY SET, then silently gets a message in a polled
 * folder and says NOTIFICATIONOVERFLOW instead of a STATUS: the daemon must look at every folder
 * again and mirror the message, long before its periodic checks would.
 */
@Tag("integration")
class NotifyOverflowIntegrationTest {

  private static final class NotifyServer implements ScriptedImapServer.Script {
    final Map<String, List<String>> folders = new ConcurrentHashMap<>(Map.of(
        "INBOX", new CopyOnWriteArrayList<>(List.of(mail("i1"))), "Archive", new CopyOnWriteArrayList<>()));
    final List<ScriptedImapServer.Connection> idling = new CopyOnWriteArrayList<>();
    final AtomicInteger notifySets = new AtomicInteger();
    final AtomicInteger archiveSelects = new AtomicInteger();

    @Override
    public void run(ScriptedImapServer.Connection c) throws Exception {
      String caps = "IMAP4rev1 IDLE NOTIFY";
      c.send("* OK [CAPABILITY " + caps + "] scripted\r\n");
      String selected = null;
      ScriptedImapServer.Command cmd;
      while ((cmd = c.readCommand()) != null) {
        String tag = cmd.tag();
        String verb = cmd.verb();
        String rest = cmd.rest();
        List<String> msgs = selected == null ? List.of() : folders.get(selected);
        switch (verb) {
          case "CAPABILITY" -> c.send("* CAPABILITY " + caps + "\r\n" + tag + " OK done\r\n");
          case "LOGIN" -> c.send(tag + " OK logged in\r\n");
          case "LIST" -> c.send("* LIST () \"/\" INBOX\r\n* LIST () \"/\" Archive\r\n" + tag + " OK listed\r\n");
          case "NOTIFY" -> {
            notifySets.incrementAndGet();
            c.send(tag + " OK notifying\r\n");
          }
          case "SELECT", "EXAMINE" -> {
            selected = rest.replace("\"", "").trim();
            if (selected.equals("Archive")) {
              archiveSelects.incrementAndGet();
            }
            int n = folders.get(selected).size();
            c.send("* " + n + " EXISTS\r\n* OK [UIDVALIDITY " + (selected.equals("INBOX") ? 5 : 6) + "] ok\r\n"
                + "* OK [UIDNEXT " + (n + 1) + "] ok\r\n* FLAGS (\\Seen)\r\n" + tag + " OK [READ-WRITE] selected\r\n");
          }
          case "STATUS" -> {
            String name = rest.substring(0, rest.indexOf(' ')).replace("\"", "");
            int n = folders.get(name).size();
            c.send("* STATUS " + name + " (UIDNEXT " + (n + 1) + " MESSAGES " + n + " UIDVALIDITY "
                + (name.equals("INBOX") ? 5 : 6) + ")\r\n" + tag + " OK status\r\n");
          }
          case "FETCH" -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= msgs.size(); i++) {
              sb.append("* ").append(i).append(" FETCH (UID ").append(i).append(")\r\n");
            }
            c.send(sb + tag + " OK fetched\r\n");
          }
          case "UID" -> {
            String[] args = rest.split(" ", 3);
            if (args[0].equalsIgnoreCase("SEARCH")) {
              StringBuilder sb = new StringBuilder("* SEARCH");
              for (int i = 1; i <= msgs.size(); i++) {
                sb.append(' ').append(i);
              }
              c.send(sb + "\r\n" + tag + " OK searched\r\n");
              break;
            }
            boolean bodies = args[2].contains("BODY.PEEK[]");
            StringBuilder sb = new StringBuilder();
            for (long uid : uids(args[1], msgs.size())) {
              sb.append("* ").append(uid).append(" FETCH (UID ").append(uid).append(" FLAGS ()");
              if (bodies) {
                byte[] raw = msgs.get((int) uid - 1).getBytes(StandardCharsets.UTF_8);
                sb.append(" INTERNALDATE \"03-Jun-2025 10:00:00 +0000\" RFC822.SIZE ").append(raw.length)
                    .append(" BODY[] {").append(raw.length).append("}\r\n").append(msgs.get((int) uid - 1));
              }
              sb.append(")\r\n");
            }
            c.send(sb + tag + " OK fetched\r\n");
          }
          case "IDLE" -> {
            idling.add(c);
            c.idleUntilDone(tag);
            idling.remove(c);
          }
          case "NOOP" -> c.send(tag + " OK noop\r\n");
          case "LOGOUT" -> {
            c.send("* BYE bye\r\n" + tag + " OK bye\r\n");
            c.close();
            return;
          }
          default -> c.send(tag + " BAD unknown command\r\n");
        }
      }
    }

    /** A UID set such as {@code 1:*} or {@code 2,4:5} within 1..max. */
    private static Set<Long> uids(String set, int max) {
      Set<Long> out = new TreeSet<>();
      for (String part : set.split(",")) {
        String[] r = part.split(":");
        long a = r[0].equals("*") ? max : Long.parseLong(r[0]);
        long b = r.length == 1 ? a : r[1].equals("*") ? max : Long.parseLong(r[1]);
        for (long u = Math.min(a, b); u <= Math.max(a, b) && u <= max; u++) {
          out.add(u);
        }
      }
      return out;
    }

    void overflow() throws IOException {
      for (ScriptedImapServer.Connection c : idling) {
        c.send("* OK [NOTIFICATIONOVERFLOW] notifications stopped\r\n");
      }
    }
  }

  private static String mail(String id) {
    return "Message-ID: <" + id + "@example.test>\r\nFrom: a@example.test\r\nSubject: " + id + "\r\n\r\nhi\r\n";
  }

  @Test
  void overflowMakesTheDaemonLookAtEveryFolderAgain() throws Exception {
    NotifyServer server = new NotifyServer();
    String prefix = RedisFixture.uniquePrefix("overflow");
    KeyLayout layout = new KeyLayout(prefix, 2);
    try (RedisFixture redis = RedisFixture.start();
         ScriptedImapServer imap = new ScriptedImapServer(server);
         SharedResources resources = SharedResources.create(1, 1);
         // Renewals and STATUS checks far beyond the test's deadline: only the overflow can help.
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(20))) {
      AccountSync account = daemon.add(new AccountConfig("ov", ImapEndpoint.of("127.0.0.1", imap.port(),
          Security.PLAIN_INSECURE), "ov", "pw", List.of(AccountConfig.ALL_FOLDERS), Set.of(), 100, null, 2,
          Duration.ofMinutes(20), true));
      Await.until("both folders mirrored and the connection idle", Duration.ofSeconds(20),
          () -> redis.sync().hkeys(layout.folders("ov")).containsAll(List.of("INBOX", "Archive"))
              && account.state() == WatcherState.IDLE && !server.idling.isEmpty());
      assertEquals(1, account.plan().size(), "NOTIFY: one connection for both folders");
      assertEquals(1, server.notifySets.get());

      server.folders.get("Archive").add(mail("a1")); // no STATUS push: the server "overflowed"
      int selectsBefore = server.archiveSelects.get();
      assertNull(redis.sync().hget(layout.folderUids("ov", "Archive"), "1"));
      server.overflow();
      Await.until("the Archive message mirrored after NOTIFICATIONOVERFLOW", Duration.ofSeconds(20),
          () -> redis.sync().hget(layout.folderUids("ov", "Archive"), "1") != null);
      Await.until("NOTIFY set again", Duration.ofSeconds(20), () -> server.notifySets.get() >= 2);
      assertEquals(true, server.archiveSelects.get() > selectsBefore);
      redis.deleteKeys(prefix);
    }
  }
}
