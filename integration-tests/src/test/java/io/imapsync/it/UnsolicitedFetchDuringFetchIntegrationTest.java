package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.ScriptedImapServer;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A message that arrives while the daemon fetches the ones it was told about, and that another
 * client flags at once, reaches the daemon first as an unsolicited {@code FETCH (UID n FLAGS ...)}
 * inside the response to its own fetch, without a body (servers report other sessions' flag
 * changes at command boundaries, RFC 9051 §7.5.2). The checkpoint must not move past it: the daemon
 * fetched everything up to the highest UID in that response, so before the fix the message was
 * skipped until the periodic self-check (and, in a folder a message had just been moved to, the
 * move was announced as a deletion). Scripted: no real server does this on demand.
 */
@Tag("integration")
class UnsolicitedFetchDuringFetchIntegrationTest {

  private static String mail(int n) {
    return "Message-ID: <u" + n + "@example.test>\r\nFrom: a@example.test\r\nSubject: m" + n + "\r\n\r\nbody " + n + "\r\n";
  }

  /** INBOX with UID 1; UID 2 arrives at the first IDLE; UID 3 arrives (flagged) during the fetch of 2. */
  private static final class Inbox implements ScriptedImapServer.Script {
    final AtomicInteger visible = new AtomicInteger(1);
    final AtomicBoolean secondPushed = new AtomicBoolean();

    @Override
    public void run(ScriptedImapServer.Connection c) throws Exception {
      String caps = "IMAP4rev1 IDLE";
      c.send("* OK [CAPABILITY " + caps + "] ready\r\n");
      ScriptedImapServer.Command cmd;
      while ((cmd = c.readCommand()) != null) {
        String tag = cmd.tag();
        String verb = cmd.verb();
        String rest = cmd.rest();
        switch (verb) {
          case "CAPABILITY" -> c.send("* CAPABILITY " + caps + "\r\n" + tag + " OK done\r\n");
          case "LOGIN" -> c.send(tag + " OK logged in\r\n");
          case "SELECT", "EXAMINE" -> c.send("* " + visible.get() + " EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT "
              + (visible.get() + 1) + "] ok\r\n* FLAGS (\\Seen)\r\n" + tag + " OK [READ-WRITE] selected\r\n");
          case "FETCH" -> { // initial sync by sequence number: "n:* (UID)"
            StringBuilder out = new StringBuilder();
            for (int i = 1; i <= visible.get(); i++) {
              out.append("* ").append(i).append(" FETCH (UID ").append(i).append(")\r\n");
            }
            c.send(out + tag + " OK fetched\r\n");
          }
          case "UID" -> c.send(uidCommand(tag, rest));
          case "IDLE" -> c.idleUntilDone(tag, visible.compareAndSet(1, 2) ? "* 2 EXISTS\r\n" : ""); // UID 2 arrives
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

    private String uidCommand(String tag, String rest) {
      String[] p = rest.split(" ", 3); // FETCH set items
      if (!p[0].equalsIgnoreCase("FETCH")) {
        return tag + " BAD only UID FETCH here\r\n";
      }
      String set = p[1];
      boolean bodies = p[2].contains("BODY.PEEK[]");
      int from;
      int to;
      if (set.endsWith(":*")) {
        from = Integer.parseInt(set.substring(0, set.length() - 2));
        to = visible.get();
        from = Math.min(from, to); // n:* names the last message when n is past it (RFC 9051 §6.4.8)
      } else if (set.contains(":")) {
        from = Integer.parseInt(set.substring(0, set.indexOf(':')));
        to = Integer.parseInt(set.substring(set.indexOf(':') + 1));
      } else {
        from = Integer.parseInt(set);
        to = from;
      }
      StringBuilder out = new StringBuilder();
      for (int uid = from; uid <= Math.min(to, visible.get()); uid++) {
        if (bodies) {
          byte[] raw = mail(uid).getBytes(StandardCharsets.UTF_8);
          out.append("* ").append(uid).append(" FETCH (UID ").append(uid).append(" FLAGS () INTERNALDATE ")
              .append("\"03-Jun-2025 10:00:00 +0000\" RFC822.SIZE ").append(raw.length).append(" BODY[] {")
              .append(raw.length).append("}\r\n").append(mail(uid)).append(")\r\n");
        } else {
          out.append("* ").append(uid).append(" FETCH (UID ").append(uid).append(")\r\n");
        }
      }
      if (bodies && from == 2 && visible.get() == 2 && secondPushed.compareAndSet(false, true)) {
        // UID 3 arrived while this command ran and another client flagged it at once.
        visible.set(3);
        out.append("* 3 EXISTS\r\n* 3 FETCH (UID 3 FLAGS (\\Seen))\r\n");
      }
      return out + tag + " OK fetched\r\n";
    }
  }

  @Test
  void aNewerMessageAnnouncedOnlyByItsFlagsIsFetchedNotSkipped() throws Exception {
    Inbox inbox = new Inbox();
    String prefix = RedisFixture.uniquePrefix("unsolicited");
    KeyLayout layout = new KeyLayout(prefix, 2);
    try (RedisFixture redis = RedisFixture.start();
         ScriptedImapServer server = new ScriptedImapServer(inbox);
         SharedResources resources = SharedResources.create(1, 1);
         var tailConnection = redis.connect();
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4))) {
      daemon.add(new AccountConfig("u", ImapEndpoint.of("127.0.0.1", server.port(), Security.PLAIN_INSECURE), "u", "pw",
          "INBOX", Set.of(), 100));
      String uids = layout.folderUids("u", "INBOX");
      try {
        Await.until("UIDs 1, 2 and 3 mirrored", Duration.ofSeconds(20), () -> redis.sync().hkeys(uids).size() == 3);
      } catch (AssertionError e) {
        throw new AssertionError("mirrored: " + redis.sync().hkeys(uids) + ", checkpoint "
            + redis.sync().hgetall(layout.folderState("u", "INBOX")), e);
      }
      assertEquals(true, inbox.secondPushed.get(), "the script announced UID 3 during the fetch of UID 2");
      assertEquals("4", redis.sync().hget(layout.folderState("u", "INBOX"), "uidnext"));

      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> events = new ArrayList<>();
      Await.until("three message.created", Duration.ofSeconds(10), () -> {
        events.addAll(tail.poll(Duration.ofMillis(100)));
        return events.stream().filter(e -> e.type().equals("message.created")).count() == 3;
      });
      List<Long> created = events.stream().filter(e -> e.type().equals("message.created"))
          .map(e -> e.event().path("payload").path("uid").asLong()).sorted().toList();
      assertEquals(List.of(1L, 2L, 3L), created);
      redis.deleteKeys(prefix);
    }
  }
}
