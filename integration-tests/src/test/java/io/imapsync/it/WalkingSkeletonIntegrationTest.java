package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.Schemas;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole path once, end to end, with real parts: GreenMail (in-process IMAP), a real Redis
 * process and the daemon over Netty. A delivered message becomes a message.created event in the
 * stream and conversation JSON in Redis; a reply joins the same conversation; a restarted daemon
 * resumes from its checkpoint without re-emitting anything.
 */
@Tag("integration")
class WalkingSkeletonIntegrationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static RedisFixture redis;
  private static SharedResources resources;

  private GreenMail greenMail;
  private GreenMailUser alice;
  private String prefix;
  private KeyLayout layout;
  private final Map<String, WatcherState> states = new ConcurrentHashMap<>();
  private final SyncListener listener = new SyncListener() {
    @Override
    public void onStateChange(String accountId, WatcherState state, String detail) {
      states.put(accountId, state);
    }
  };

  @BeforeAll
  static void startRedis() {
    redis = RedisFixture.start();
    resources = SharedResources.create(2, 2);
  }

  @AfterAll
  static void stopRedis() {
    resources.close();
    redis.close();
  }

  @BeforeEach
  void startImap() {
    greenMail = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    greenMail.start();
    alice = greenMail.setUser("alice@example.test", "alice", "secret-pw");
    prefix = RedisFixture.uniquePrefix("skeleton");
    layout = new KeyLayout(prefix, 4);
  }

  @AfterEach
  void stopImap() {
    greenMail.stop();
    redis.deleteKeys(prefix);
  }

  private SyncDaemon startDaemon() {
    SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, listener, Duration.ofMinutes(4));
    states.clear();
    daemon.add(new AccountConfig("alice", ImapEndpoint.of("127.0.0.1", greenMail.getImap().getPort(),
        Security.PLAIN_INSECURE), "alice", "secret-pw", "INBOX", Set.of("alice@example.test"), 100));
    Await.until("alice's INBOX in IDLE", DEADLINE, () -> states.get("alice") == WatcherState.IDLE);
    io.imapsync.it.support.GreenMailIdle.awaitListening(greenMail, alice, DEADLINE);
    return daemon;
  }

  @Test
  void deliveredMessageBecomesEventAndConversationAndReplyJoinsIt() throws Exception {
    try (RedisConnection tailConnection = redis.connect();
         SyncDaemon daemon = startDaemon()) {
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();

      deliver(message("root-1@example.test", null, "Bob <bob@example.test>", "Budget for Q3",
          "Can you review the numbers by Friday?\r\n"));
      JsonNode created = awaitEvent(tail, seen, "message.created", "root-1@example.test");
      JsonNode msg = created.path("payload");
      assertEquals("alice", created.path("account_id").asText());
      assertEquals("Budget for Q3", msg.path("subject").asText());
      assertEquals("bob@example.test", msg.path("from").path(0).path("address").asText());
      assertEquals("Bob", msg.path("from").path(0).path("name").asText());
      assertTrue(msg.path("unread").asBoolean());
      assertTrue(msg.path("inbound").asBoolean());
      assertEquals("Can you review the numbers by Friday?", msg.path("blurb").asText());
      assertEquals(1, created.path("position").path("uid").asLong());
      String conversationId = msg.path("conversation_id").asText();

      // The stored documents: the message (with its body) and the conversation.
      JsonNode storedMessage = Json.MAPPER.readTree(redis.sync().get(layout.message("alice", msg.path("id").asText())));
      Schemas.assertValid("message.schema.json", storedMessage);
      assertEquals("Can you review the numbers by Friday?\r\n", storedMessage.path("body_text").asText());
      JsonNode conversation = Json.MAPPER.readTree(redis.sync().get(layout.conversation("alice", conversationId)));
      Schemas.assertValid("conversation.schema.json", conversation);
      assertEquals(1, conversation.path("num_messages").asInt());
      assertEquals("Budget for Q3", conversation.path("subject").asText());
      assertEquals("bob@example.test", conversation.path("contact").path("address").asText());

      // A reply (In-Reply-To + References) joins the same conversation.
      deliver(message("reply-1@example.test", "root-1@example.test", "Carol <carol@example.test>",
          "Re: Budget for Q3", "Looks fine to me.\r\n\r\n> Can you review the numbers by Friday?\r\n"));
      JsonNode reply = awaitEvent(tail, seen, "message.created", "reply-1@example.test").path("payload");
      assertEquals(conversationId, reply.path("conversation_id").asText());
      assertEquals("Looks fine to me.", reply.path("blurb").asText());
      conversation = Json.MAPPER.readTree(redis.sync().get(layout.conversation("alice", conversationId)));
      Schemas.assertValid("conversation.schema.json", conversation);
      assertEquals(2, conversation.path("num_messages").asInt());
      assertEquals(2, conversation.path("version").asLong());
      assertEquals("Looks fine to me.", conversation.path("summary").asText());
      assertEquals(2, conversation.path("messages").size());
      assertEquals(msg.path("id").asText(), conversation.path("messages").path(0).path("id").asText());
      assertEquals(reply.path("id").asText(), conversation.path("messages").path(1).path("id").asText());
      // The inbox listing: one conversation, scored by its newest message.
      assertEquals(List.of(conversationId), redis.sync().zrevrange(layout.conversationIndex("alice"), 0, -1));

      // An unrelated message starts a conversation of its own.
      deliver(message("other-1@example.test", null, "Dave <dave@example.test>", "Lunch?", "Friday?\r\n"));
      JsonNode other = awaitEvent(tail, seen, "message.created", "other-1@example.test").path("payload");
      assertFalse(conversationId.equals(other.path("conversation_id").asText()));

      // Every event, in stream order, matches the published schemas; per account, UIDs only grow.
      Await.until("conversation.updated for the last message", DEADLINE, () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        return seen.stream().filter(e -> e.type().equals("conversation.updated")).count() == 3;
      });
      long lastUid = 0;
      for (FeedEntry e : seen) {
        Schemas.assertValidEvent(e.event());
        if (e.type().equals("message.created")) {
          long uid = e.event().path("position").path("uid").asLong();
          assertTrue(uid > lastUid, "UIDs in order");
          lastUid = uid;
        }
      }
      List<String> types = seen.stream().map(FeedEntry::type).filter(t -> !t.equals("account.state")).toList();
      assertEquals(6, types.size(), "3 message.created + 3 conversation.updated, nothing else: " + types);
      // The account's connection state is in the feed too: it settled in IDLE.
      assertTrue(seen.stream().anyMatch(e -> e.type().equals("account.state")
          && e.event().path("payload").path("state").asText().equals("idle")), "account.state idle announced");
    }
  }

  @Test
  void restartedDaemonResumesFromCheckpointWithoutDuplicates() throws Exception {
    try (RedisConnection tailConnection = redis.connect()) {
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();
      try (SyncDaemon first = startDaemon()) {
        deliver(message("a-1@example.test", null, "Bob <bob@example.test>", "First", "one\r\n"));
        awaitEvent(tail, seen, "message.created", "a-1@example.test");
      }
      // Delivered while no daemon runs: must be picked up on restart, exactly once.
      deliver(message("a-2@example.test", null, "Bob <bob@example.test>", "Second", "two\r\n"));
      try (SyncDaemon second = startDaemon()) {
        awaitEvent(tail, seen, "message.created", "a-2@example.test");
        deliver(message("a-3@example.test", null, "Bob <bob@example.test>", "Third", "three\r\n"));
        awaitEvent(tail, seen, "message.created", "a-3@example.test");
      }
      List<String> created = seen.stream().filter(e -> e.type().equals("message.created"))
          .map(e -> e.event().path("payload").path("message_id").asText()).toList();
      assertEquals(List.of("a-1@example.test", "a-2@example.test", "a-3@example.test"), created);
      // The second daemon claimed a newer owner epoch: its events carry it.
      long firstEpoch = seen.get(0).event().path("epoch").asLong();
      long lastEpoch = seen.get(seen.size() - 1).event().path("epoch").asLong();
      assertTrue(lastEpoch > firstEpoch, "epoch grows on takeover");
      assertEquals("4", redis.sync().hget(layout.folderState("alice", "INBOX"), "uidnext"));
    }
  }

  private JsonNode awaitEvent(StreamTail tail, List<FeedEntry> seen, String type, String messageId) {
    FeedEntry e = Await.until(type + " for <" + messageId + ">", DEADLINE, () -> {
      seen.addAll(tail.poll(Duration.ofMillis(100)));
      return seen.stream().filter(x -> x.type().equals(type)
          && x.event().path("payload").path("message_id").asText().equals(messageId)).findFirst().orElse(null);
    });
    assertNotNull(e);
    return e.event();
  }

  private void deliver(byte[] raw) throws Exception {
    alice.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
  }

  private static byte[] message(String messageId, String inReplyTo, String from, String subject, String body) {
    StringBuilder sb = new StringBuilder();
    sb.append("Message-ID: <").append(messageId).append(">\r\n");
    if (inReplyTo != null) {
      sb.append("In-Reply-To: <").append(inReplyTo).append(">\r\nReferences: <").append(inReplyTo).append(">\r\n");
    }
    sb.append("Date: Tue, 3 Jun 2025 10:00:00 +0000\r\n");
    sb.append("From: ").append(from).append("\r\nTo: Alice <alice@example.test>\r\n");
    sb.append("Subject: ").append(subject).append("\r\nMIME-Version: 1.0\r\n");
    sb.append("Content-Type: text/plain; charset=utf-8\r\n\r\n").append(body);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
