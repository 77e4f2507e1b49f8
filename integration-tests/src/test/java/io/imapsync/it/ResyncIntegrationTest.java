package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.ServerTruth;
import io.imapsync.it.support.SyncChecker;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Support's resync end to end: {@code syncctl resync} (a separate process) asks through Redis, the
 * daemon that runs the account rechecks or rebuilds, the command shows progress and prints what
 * changed, and the audit list records it.
 */
@Tag("integration")
class ResyncIntegrationTest {
  private static final Path JAR = Path.of("..", "sync-daemon", "target", "imap-sync.jar");

  /** The Redis of the run; {@link ResyncOnClusterIntegrationTest} uses a Redis Cluster. */
  RedisFixture startRedis() {
    return RedisFixture.start();
  }

  @Test
  void recheckRepairsAMirrorThatLostAMessageAndAFlagChange() throws Exception {
    GreenMail gm = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    gm.start();
    String prefix = RedisFixture.uniquePrefix("resync");
    KeyLayout layout = new KeyLayout(prefix, 16);
    try (RedisFixture redis = startRedis(); SharedResources resources = SharedResources.create(2, 1)) {
      GreenMailUser user = gm.setUser("sup@example.test", "sup", "sup-pw");
      for (int i = 1; i <= 3; i++) {
        deliver(user, "m" + i + "@example.test");
      }
      try (SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(30))) {
        daemon.serveResyncRequests();
        daemon.add(new AccountConfig("sup", ImapEndpoint.of("127.0.0.1", gm.getImap().getPort(), Security.PLAIN_INSECURE),
            "sup", "sup-pw", "INBOX", Set.of(), 100));
        Await.until("3 messages mirrored", Duration.ofSeconds(20),
            () -> redis.sync().hlen(layout.folderUids("sup", "INBOX")) == 3);

        // What support hears: "a message is missing" (the mirror lost UID 2) and "a flag is
        // wrong" (flagged on the server; GreenMail never pushes flag changes).
        String lostId = redis.sync().hget(layout.folderUids("sup", "INBOX"), "2");
        redis.sync().hdel(layout.folderUids("sup", "INBOX"), "2");
        redis.sync().hdel(layout.folderFlags("sup", "INBOX"), "2");
        redis.sync().del(layout.message("sup", lostId));
        try (Store store = ServerTruth.connect("127.0.0.1", gm.getImap().getPort(), "sup", "sup-pw")) {
          Folder inbox = store.getFolder("INBOX");
          inbox.open(Folder.READ_WRITE);
          inbox.getMessage(3).setFlag(Flags.Flag.FLAGGED, true);
          inbox.close(false);
        }

        List<String> out = syncctl(redis.url(), prefix, "resync", "sup");
        String text = String.join("\n", out);
        assertTrue(out.get(0).startsWith("resync ") && out.get(0).contains("requested for sup (all folders), recheck"), text);
        assertTrue(text.contains("running") || text.contains("done"), "shows progress: " + text);
        assertTrue(text.contains("resync done: added 1, updated 1, removed 0"), text);
        try (Store store = ServerTruth.connect("127.0.0.1", gm.getImap().getPort(), "sup", "sup-pw")) {
          assertEquals(List.of(), SyncChecker.differences(ServerTruth.read(store, "INBOX"), redis.sync(), layout, "sup", "INBOX"));
        }
        assertEquals(lostId, redis.sync().hget(layout.folderUids("sup", "INBOX"), "2"), "the same stable id again");

        // A full rebuild keeps every message id and changes nothing that was right.
        Map<String, String> before = redis.sync().hgetall(layout.folderUids("sup", "INBOX"));
        List<String> full = syncctl(redis.url(), prefix, "resync", "sup", "--mailbox", "INBOX", "--full");
        // After its mailbox.reset a rebuild re-announces every message it finds again: message.updated with
        // its place (same id), not message.created.
        assertTrue(String.join("\n", full).contains("resync done: added 0, updated 3, removed 0"), String.join("\n", full));
        assertEquals(before, redis.sync().hgetall(layout.folderUids("sup", "INBOX")));

        List<String> audit = syncctl(redis.url(), prefix, "audit");
        assertTrue(audit.get(0).contains("resync --full --mailbox INBOX") && audit.get(0).contains("done"), audit.toString());
        assertTrue(audit.get(1).contains("resync") && audit.get(1).contains("added 1, updated 1, removed 0"), audit.toString());
      }
      // Nobody runs the account now: the command says so instead of waiting forever.
      List<String> orphan = syncctl(redis.url(), prefix, "resync", "sup");
      assertTrue(String.join("\n", orphan).contains("no daemon picked up the request"), orphan.toString());
    } finally {
      gm.stop();
    }
  }

  private static List<String> syncctl(String redisUrl, String prefix, String... args) throws Exception {
    assertTrue(Files.exists(JAR), "build the daemon jar first: " + JAR.toAbsolutePath());
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        JAR.toString(), "io.imapsync.cli.SyncCtlCommand"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--redis-url", redisUrl, "--key-prefix", prefix));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out.lines().filter(l -> !l.isBlank() && !l.contains(" INFO ") && !l.startsWith("WARNING")).toList();
  }

  private static void deliver(GreenMailUser user, String messageId) throws Exception {
    byte[] raw = ("Message-ID: <" + messageId + ">\r\nFrom: x@example.test\r\nSubject: " + messageId
        + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.UTF_8);
    user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
  }
}
