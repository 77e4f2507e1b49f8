package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuthKind;
import io.imapsync.accounts.SecretBox;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.RegistryFollower;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.SyncListener;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The account registry in Redis: sealed secrets, validation, and a daemon that follows it live. */
@Tag("integration")
class AccountRegistryIntegrationTest {
  private RedisFixture redis;
  private String prefix;
  private KeyLayout layout;
  private SecretBox box;
  private byte[] k1;

  @BeforeEach
  void setUp() {
    redis = RedisFixture.start();
    prefix = RedisFixture.uniquePrefix("registry");
    layout = new KeyLayout(prefix, 4);
    k1 = randomKey();
    box = new SecretBox(Map.of("k1", k1));
  }

  @AfterEach
  void tearDown() {
    redis.deleteKeys(prefix);
    redis.close();
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  private AccountRecord record(String id, int port, String password, boolean paused) {
    long now = System.currentTimeMillis();
    return new AccountRecord(id, "127.0.0.1", port, Security.PLAIN_INSECURE, id, AuthKind.PASSWORD,
        box.seal(id, password), List.of("INBOX"), 2, 0, 100, List.of(id + "@example.test"), null, paused, now, now);
  }

  @Test
  void secretsAreSealedBoundToTheAccountAndRotatable() {
    String sealed = box.seal("alice", "hunter2 pässword");
    assertFalse(sealed.contains("hunter2"));
    assertEquals("hunter2 pässword", box.open("alice", sealed));
    assertThrows(IllegalArgumentException.class, () -> box.open("mallory", sealed), "bound to its account");
    String tampered = sealed.substring(0, sealed.length() - 4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertThrows(IllegalArgumentException.class, () -> box.open("alice", tampered));
    // Rotation: a new primary key seals; the old one still opens what it sealed.
    Map<String, byte[]> keys = new LinkedHashMap<>();
    keys.put("k2", randomKey());
    keys.put("k1", k1);
    SecretBox rotated = new SecretBox(keys);
    assertTrue(rotated.needsRotation(sealed));
    assertEquals("hunter2 pässword", rotated.open("alice", sealed));
    assertFalse(rotated.needsRotation(rotated.seal("alice", "x")));
    IllegalArgumentException unknownKey = assertThrows(IllegalArgumentException.class,
        () -> new SecretBox(Map.of("k9", randomKey())).open("alice", sealed));
    assertTrue(unknownKey.getMessage().contains("'k1', which is not configured"), unknownKey.getMessage());
  }


  @Test
  void registryStoresNoSecretInClearAndRejectsBadConfiguration() {
    AccountRegistry registry = new AccountRegistry(redis.sync(), layout);
    registry.put(record("alice", 993, "hunter2", false));
    Map<String, String> stored = redis.sync().hgetall(layout.accountConfig("alice"));
    assertTrue(stored.values().stream().noneMatch(v -> v.contains("hunter2")), stored.toString());
    AccountRecord back = registry.get("alice").orElseThrow();
    assertEquals("hunter2", box.open("alice", back.sealedSecret()));
    assertEquals(List.of("INBOX"), back.mailboxes());
    assertFalse(back.toString().contains("v1:"), "toString leaves the secret out");
    assertEquals(List.of("alice"), registry.list().stream().map(AccountRecord::id).toList());

    IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> record("bob", 70000, "x", false));
    assertEquals("account bob: port must be 1-65535, was 70000", port.getMessage());
    long now = System.currentTimeMillis();
    IllegalArgumentException budget = assertThrows(IllegalArgumentException.class, () -> new AccountRecord("bob",
        "imap.example.com", 993, Security.TLS, "bob", AuthKind.PASSWORD, box.seal("bob", "x"), List.of(), 40, 0, 0,
        List.of(), null, false, now, now));
    assertEquals("account bob: connection budget must be 1-16, was 40", budget.getMessage());
    assertThrows(IllegalArgumentException.class, () -> record("bad id!", 993, "x", false));

    assertTrue(registry.remove("alice"));
    assertTrue(registry.list().isEmpty());
  }

  @Test
  void daemonFollowsTheRegistry() throws Exception {
    GreenMail greenMail = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    greenMail.start();
    try (SharedResources resources = SharedResources.create(2, 1);
         RedisConnection tailConnection = redis.connect();
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4));
         RegistryFollower follower = new RegistryFollower(daemon, box, Duration.ofMillis(100))) {
      GreenMailUser carol = greenMail.setUser("carol@example.test", "carol", "pw-carol");
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();
      AccountRegistry registry = new AccountRegistry(redis.sync(), layout);
      registry.put(record("carol", greenMail.getImap().getPort(), "pw-carol", false));
      Await.until("carol idle", Duration.ofSeconds(20),
          () -> "idle".equals(redis.sync().hget(layout.accountState("carol"), "state")));

      deliver(carol, "first@example.test");
      awaitCreated(tail, seen, "first@example.test");

      registry.put(registry.get("carol").orElseThrow().withPaused(true, System.currentTimeMillis()));
      Await.until("carol stopped", Duration.ofSeconds(10), () -> follower.runningAccounts().isEmpty());
      deliver(carol, "while-paused@example.test"); // nobody watches now
      registry.put(registry.get("carol").orElseThrow().withPaused(false, System.currentTimeMillis()));
      awaitCreated(tail, seen, "while-paused@example.test"); // picked up from the checkpoint on resume

      // A wrong password shows up as the account's state, not as a crash.
      registry.put(record("carol", greenMail.getImap().getPort(), "wrong", false));
      Await.until("auth_failed state", Duration.ofSeconds(20),
          () -> "auth_failed".equals(redis.sync().hget(layout.accountState("carol"), "state")));
      assertTrue(redis.sync().hget(layout.accountState("carol"), "last_error").contains("LOGIN failed"));
      assertFalse(redis.sync().hget(layout.accountState("carol"), "last_error").contains("wrong"));

      registry.remove("carol");
      Await.until("carol removed", Duration.ofSeconds(10), () -> follower.runningAccounts().isEmpty());
    } finally {
      greenMail.stop();
    }
  }

  private static void deliver(GreenMailUser user, String messageId) throws Exception {
    byte[] raw = ("Message-ID: <" + messageId + ">\r\nFrom: x@example.test\r\nSubject: " + messageId
        + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.UTF_8);
    user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
  }

  private static void awaitCreated(StreamTail tail, List<FeedEntry> seen, String messageId) {
    Await.until("message.created for " + messageId, Duration.ofSeconds(20), () -> {
      seen.addAll(tail.poll(Duration.ofMillis(100)));
      return seen.stream().anyMatch(e -> e.type().equals("message.created")
          && e.event().path("payload").path("message_id").asText().equals(messageId));
    });
  }
}
