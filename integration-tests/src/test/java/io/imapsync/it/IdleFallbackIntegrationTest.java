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
import io.imapsync.sync.WatcherState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A server that advertises IDLE but answers it with NO (some proxies and locked-down tenants do):
 * the daemon falls back to NOOP polling, says so in its state, and still delivers new mail.
 */
@Tag("integration")
class IdleFallbackIntegrationTest {

  /** A one-folder mailbox speaking just enough IMAP for the watcher; IDLE is refused. */
  private static final class NoIdleMailbox implements ScriptedImapServer.Script {
    final List<String> messages = new CopyOnWriteArrayList<>();
    final AtomicInteger idleRefusals = new AtomicInteger();

    @Override
    public void run(ScriptedImapServer.Connection c) throws Exception {
      c.send("* OK [CAPABILITY IMAP4rev1 IDLE] scripted\r\n");
      int reported = 0;
      ScriptedImapServer.Command cmd;
      while ((cmd = c.readCommand()) != null) {
        String tag = cmd.tag();
        String verb = cmd.verb();
        String rest = cmd.rest();
        int n = messages.size();
        switch (verb) {
          case "CAPABILITY" -> c.send("* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + " OK done\r\n");
          case "LOGIN" -> c.send(tag + " OK logged in\r\n");
          case "SELECT", "EXAMINE" -> {
            reported = n;
            c.send("* " + n + " EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT " + (n + 1) + "] ok\r\n"
                + "* FLAGS (\\Seen)\r\n" + tag + " OK [READ-WRITE] selected\r\n");
          }
          case "FETCH" -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= n; i++) {
              sb.append("* ").append(i).append(" FETCH (UID ").append(i).append(")\r\n");
            }
            c.send(sb + tag + " OK fetched\r\n");
          }
          case "UID" -> {
            String[] args = rest.split(" ", 3); // FETCH <set> <items>
            long from = Long.parseLong(args[1].split("[:,]")[0]);
            boolean bodies = args[2].contains("BODY.PEEK[]");
            StringBuilder sb = new StringBuilder();
            for (int i = (int) Math.max(1, from); i <= n; i++) {
              sb.append("* ").append(i).append(" FETCH (UID ").append(i).append(" FLAGS ()");
              if (bodies) {
                byte[] raw = messages.get(i - 1).getBytes(StandardCharsets.UTF_8);
                sb.append(" INTERNALDATE \"03-Jun-2025 10:00:00 +0000\" RFC822.SIZE ").append(raw.length)
                    .append(" BODY[] {").append(raw.length).append("}\r\n").append(messages.get(i - 1));
              }
              sb.append(")\r\n");
            }
            c.send(sb + tag + " OK fetched\r\n");
          }
          case "IDLE" -> {
            idleRefusals.incrementAndGet();
            c.send(tag + " NO IDLE is disabled on this server\r\n");
          }
          case "NOOP" -> {
            String push = n > reported ? "* " + n + " EXISTS\r\n" : "";
            reported = n;
            c.send(push + tag + " OK noop\r\n");
          }
          case "LOGOUT" -> {
            c.send("* BYE bye\r\n" + tag + " OK bye\r\n");
            c.close();
            return;
          }
          default -> c.send(tag + " BAD unknown command\r\n");
        }
      }
    }
  }

  private static String mail(String id) {
    return "Message-ID: <" + id + ">\r\nFrom: a@example.test\r\nSubject: " + id + "\r\n\r\nhi\r\n";
  }

  @Test
  void refusedIdleFallsBackToNoopPollingAndStillDeliversNewMail() throws Exception {
    NoIdleMailbox mailbox = new NoIdleMailbox();
    mailbox.messages.add(mail("first@example.test"));
    String prefix = RedisFixture.uniquePrefix("noidle");
    KeyLayout layout = new KeyLayout(prefix, 2);
    Map<String, WatcherState> states = new ConcurrentHashMap<>();
    try (RedisFixture redis = RedisFixture.start();
         ScriptedImapServer server = new ScriptedImapServer(mailbox);
         SharedResources resources = SharedResources.create(1, 1);
         var tailConnection = redis.connect();
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, new SyncListener() {
           @Override
           public void onStateChange(String accountId, WatcherState state, String detail) {
             states.put(accountId, state);
           }
         }, Duration.ofMillis(300))) {
      daemon.add(new AccountConfig("noidle", ImapEndpoint.of("127.0.0.1", server.port(), Security.PLAIN_INSECURE),
          "u", "p", "INBOX", Set.of(), 100));
      Await.until("polling state", Duration.ofSeconds(15), () -> states.get("noidle") == WatcherState.POLLING);
      mailbox.messages.add(mail("second@example.test")); // announced only in a NOOP response
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();
      Await.until("the second message through polling", Duration.ofSeconds(15), () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        return seen.stream().anyMatch(e -> e.type().equals("message.created")
            && e.event().path("payload").path("message_id").asText().equals("second@example.test"));
      });
      assertEquals(1, mailbox.idleRefusals.get(), "IDLE is not retried on every pass once refused");
      assertEquals("polling", redis.sync().hget(layout.accountState("noidle"), "state"));
      redis.deleteKeys(prefix);
    }
  }
}
