package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.Schemas;
import io.imapsync.it.support.ScriptedImapServer;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Gmail's extension (X-GM-EXT-1) as Gmail speaks it, scripted: X-GM-MSGID gives the stable id,
 * X-GM-THRID the conversation, and a label change (which raises MODSEQ like a flag change) is a
 * message.updated carrying {@code changed.gmail_labels}.
 */
@Tag("integration")
class GmailLabelsIntegrationTest {
  private static final String MAIL = "Message-ID: <g1@example.test>\r\nFrom: a@example.test\r\nSubject: labels\r\n\r\nhi\r\n";

  /** One message in INBOX; its labels and MODSEQ change when the test says so. */
  private static final class GmailInbox implements ScriptedImapServer.Script {
    final AtomicReference<String> labels = new AtomicReference<>("(\\Inbox)");
    final AtomicLong modseq = new AtomicLong(10);

    @Override
    public void run(ScriptedImapServer.Connection c) throws Exception {
      String caps = "IMAP4rev1 IDLE CONDSTORE ENABLE X-GM-EXT-1";
      c.send("* OK [CAPABILITY " + caps + "] Gimap ready\r\n");
      ScriptedImapServer.Command cmd;
      while ((cmd = c.readCommand()) != null) {
        String tag = cmd.tag();
        String verb = cmd.verb();
        String rest = cmd.rest();
        switch (verb) {
          case "CAPABILITY" -> c.send("* CAPABILITY " + caps + "\r\n" + tag + " OK done\r\n");
          case "LOGIN" -> c.send("* CAPABILITY " + caps + "\r\n" + tag + " OK logged in\r\n");
          case "ENABLE" -> c.send("* ENABLED CONDSTORE\r\n" + tag + " OK enabled\r\n");
          case "SELECT", "EXAMINE" -> c.send("* 1 EXISTS\r\n* OK [UIDVALIDITY 11] ok\r\n* OK [UIDNEXT 2] ok\r\n"
              + "* OK [HIGHESTMODSEQ " + modseq.get() + "] ok\r\n* FLAGS (\\Seen)\r\n" + tag + " OK [READ-WRITE] selected\r\n");
          case "FETCH" -> c.send("* 1 FETCH (UID 1)\r\n" + tag + " OK fetched\r\n");
          case "UID" -> {
            if (rest.toUpperCase().startsWith("SEARCH")) {
              c.send("* SEARCH 1\r\n" + tag + " OK searched\r\n");
            } else if (rest.contains("BODY.PEEK[]")) {
              byte[] raw = MAIL.getBytes(StandardCharsets.UTF_8);
              c.send("* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"03-Jun-2025 10:00:00 +0000\" RFC822.SIZE " + raw.length
                  + " X-GM-MSGID 1278455344230334865 X-GM-THRID 1266894439832287888 X-GM-LABELS " + labels.get()
                  + " BODY[] {" + raw.length + "}\r\n" + MAIL + ")\r\n" + tag + " OK fetched\r\n");
            } else if (rest.contains("CHANGEDSINCE")) {
              long since = Long.parseLong(rest.replaceAll(".*CHANGEDSINCE (\\d+).*", "$1"));
              String row = modseq.get() > since ? "* 1 FETCH (UID 1 FLAGS () X-GM-LABELS " + labels.get() + " MODSEQ ("
                  + modseq.get() + "))\r\n" : "";
              c.send(row + tag + " OK fetched\r\n");
            } else {
              c.send("* 1 FETCH (UID 1 FLAGS () X-GM-LABELS " + labels.get() + ")\r\n" + tag + " OK fetched\r\n");
            }
          }
          case "IDLE" -> c.idleUntilDone(tag);
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
  }

  @Test
  void aLabelChangeIsAMessageUpdatedWithTheLabels() throws Exception {
    GmailInbox inbox = new GmailInbox();
    String prefix = RedisFixture.uniquePrefix("gmail");
    KeyLayout layout = new KeyLayout(prefix, 2);
    try (RedisFixture redis = RedisFixture.start();
         ScriptedImapServer server = new ScriptedImapServer(inbox);
         SharedResources resources = SharedResources.create(1, 1);
         var tailConnection = redis.connect();
         // IDLE renewal every 300 ms: the re-SELECT sees the new HIGHESTMODSEQ and reconciles.
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMillis(300))) {
      daemon.add(new AccountConfig("g", ImapEndpoint.of("127.0.0.1", server.port(), Security.PLAIN_INSECURE), "g", "pw",
          "INBOX", Set.of(), 100));
      String id = Await.until("the message mirrored", Duration.ofSeconds(20),
          () -> redis.sync().hget(layout.folderUids("g", "INBOX"), "1"));
      JsonNode doc = Json.read(redis.sync().get(layout.message("g", id)), JsonNode.class);
      assertEquals(List.of("\\Inbox"), texts(doc.path("gmail_labels")));

      inbox.labels.set("(\\Inbox \"Work\")");
      inbox.modseq.set(11);
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> events = new ArrayList<>();
      JsonNode updated = Await.until("message.updated with the new labels", Duration.ofSeconds(20), () -> {
        events.addAll(tail.poll(Duration.ofMillis(100)));
        return events.stream().filter(e -> e.type().equals("message.updated")
                && e.event().path("payload").path("changed").has("gmail_labels"))
            .map(FeedEntry::event).findFirst().orElse(null);
      });
      Schemas.assertValidEvent(updated);
      assertEquals(List.of("\\Inbox", "Work"), texts(updated.path("payload").path("changed").path("gmail_labels")));
      doc = Json.read(redis.sync().get(layout.message("g", id)), JsonNode.class);
      assertEquals(List.of("\\Inbox", "Work"), texts(doc.path("gmail_labels")));
      redis.deleteKeys(prefix);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
