package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.it.support.Schemas;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A late message that links two stored conversations, end to end: Dovecot, the daemon, Redis.
 * The merge is one atomic write: the absorbed conversation's key and index entry are gone, its
 * messages, thread-index and subject-index entries point at the survivor, and the stream carries
 * one {@code conversation.merged} followed by the survivor's {@code conversation.updated}.
 */
@Tag("integration")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConversationMergeIntegrationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final String ACCOUNT = "alice";
  private static final String PASSWORD = "merge-pw";

  private static RedisFixture redis;
  private static SharedResources resources;

  private DovecotServer dovecot;
  private String prefix;
  private KeyLayout layout;

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
  void startDovecot() {
    dovecot = DovecotServers.startForTest(DovecotServer.options().user(ACCOUNT, PASSWORD));
    prefix = RedisFixture.uniquePrefix("merge");
    layout = new KeyLayout(prefix, 4);
  }

  @AfterEach
  void stop() {
    if (dovecot != null) {
      dovecot.close();
    }
    redis.deleteKeys(prefix);
  }

  private SyncDaemon startDaemon() {
    SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4));
    daemon.add(new AccountConfig(ACCOUNT, ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE),
        ACCOUNT, PASSWORD, "INBOX", Set.of("alice@example.test"), 100));
    return daemon;
  }

  @Test
  void lateParentMergesTwoConversationsInOneWrite() throws Exception {
    try (RedisConnection tailConnection = redis.connect();
         SyncDaemon daemon = startDaemon()) {
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();

      // A replies to P, but names only P (In-Reply-To, no References); B replies to the root R.
      // Neither P nor R is here yet: two conversations.
      dovecot.deliver(ACCOUNT, mail("a@example.test", "<p@example.test>", null, "Bob <bob@example.test>",
          "Re: Launch checklist", "Tue, 3 Jun 2025 10:00:00 +0000", "Looks complete."));
      JsonNode a = awaitCreated(tail, seen, "a@example.test");
      dovecot.deliver(ACCOUNT, mail("b@example.test", "<r@example.test>", "<r@example.test>",
          "Carol <carol@example.test>", "Re: Venue for the launch", "Wed, 4 Jun 2025 10:00:00 +0000",
          "The hall is booked."));
      JsonNode b = awaitCreated(tail, seen, "b@example.test");
      String convA = a.path("conversation_id").asText();
      String convB = b.path("conversation_id").asText();
      assertNotEquals(convA, convB);
      assertEquals(2, redis.sync().zcard(layout.conversationIndex(ACCOUNT)));

      // P replies to R and is A's parent: it links both conversations.
      dovecot.deliver(ACCOUNT, mail("p@example.test", "<r@example.test>", "<r@example.test>",
          "Dave <dave@example.test>", "Re: Venue for the launch", "Mon, 2 Jun 2025 10:00:00 +0000",
          "What about the checklist?"));
      JsonNode p = awaitCreated(tail, seen, "p@example.test");
      FeedEntry merged = Await.until("conversation.merged", DEADLINE, () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        return seen.stream().filter(e -> e.type().equals("conversation.merged")).findFirst().orElse(null);
      });
      // The older conversation (A's, from 3 June) survives; B's (4 June) is absorbed.
      JsonNode payload = merged.event().path("payload");
      assertEquals(convA, payload.path("surviving_id").asText());
      assertEquals(convB, payload.path("absorbed_id").asText());
      assertEquals("references", payload.path("reason").asText());
      assertEquals(List.of(b.path("id").asText()), texts(payload.path("message_ids")));
      assertEquals(1, payload.path("absorbed_version").asLong());
      assertEquals(convA, p.path("conversation_id").asText(), "the linking message is created in the survivor");

      // The survivor's conversation.updated follows the merge, in the same write.
      int at = seen.indexOf(merged);
      Await.until("the event after the merge", DEADLINE, () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        return at + 1 < seen.size();
      });
      FeedEntry next = seen.get(at + 1);
      assertEquals("conversation.updated", next.type());
      assertEquals(convA, next.event().path("payload").path("id").asText());
      assertEquals(payload.path("surviving_version").asLong(), next.event().path("payload").path("version").asLong());

      // Redis: the survivor holds all three, newest last; the absorbed conversation is gone everywhere.
      JsonNode conv = Json.MAPPER.readTree(redis.sync().get(layout.conversation(ACCOUNT, convA)));
      Schemas.assertValid("conversation.schema.json", conv);
      assertEquals(3, conv.path("num_messages").asInt());
      assertEquals(List.of(p.path("id").asText(), a.path("id").asText(), b.path("id").asText()),
          texts(conv.path("messages"), "id"));
      assertEquals("The hall is booked.", conv.path("summary").asText());
      assertEquals("carol@example.test", conv.path("contact").path("address").asText());
      assertEquals(0, redis.sync().exists(layout.conversation(ACCOUNT, convB)));
      assertEquals(List.of(convA), redis.sync().zrange(layout.conversationIndex(ACCOUNT), 0, -1));
      for (JsonNode m : List.of(a, b, p)) {
        JsonNode stored = Json.MAPPER.readTree(redis.sync().get(layout.message(ACCOUNT, m.path("id").asText())));
        assertEquals(convA, stored.path("conversation_id").asText(), "message doc of " + m.path("message_id"));
      }
      Map<String, String> threads = redis.sync().hgetall(layout.threadIndex(ACCOUNT));
      for (String id : List.of("a@example.test", "b@example.test", "p@example.test", "r@example.test")) {
        assertEquals(convA, threads.get(id), "thread index entry " + id);
      }
      assertFalse(threads.containsValue(convB), "no thread index entry points at the absorbed conversation");
      for (String entries : redis.sync().hvals(layout.subjectIndex(ACCOUNT))) {
        for (JsonNode e : Json.MAPPER.readTree(entries)) {
          assertEquals(convA, e.path("c").asText(), "subject index entry " + e);
        }
      }

      // Exactly one merge; every event matches the published schemas.
      assertEquals(1, seen.stream().filter(e -> e.type().equals("conversation.merged")).count());
      for (FeedEntry e : seen) {
        Schemas.assertValidEvent(e.event());
      }
      assertEquals(List.of("message.created", "conversation.updated", "message.created", "conversation.updated",
          "message.created", "conversation.merged", "conversation.updated"), seen.stream().map(FeedEntry::type)
          .filter(t -> !t.equals("account.state")).toList());
    }
  }

  @Test
  void subjectWithASharedParticipantMergesThroughRedis() throws Exception {
    try (RedisConnection tailConnection = redis.connect();
         SyncDaemon daemon = startDaemon()) {
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      List<FeedEntry> seen = new ArrayList<>();
      // Same subject, but the only address they share is the account's own: not joined.
      dovecot.deliver(ACCOUNT, mail("x@example.test", null, null, "Bob <bob@example.test>", "Offsite",
          "Mon, 2 Jun 2025 10:00:00 +0000", "Where shall we go?"));
      JsonNode x = awaitCreated(tail, seen, "x@example.test");
      dovecot.deliver(ACCOUNT, mail("y@example.test", null, null, "Carol <carol@example.test>", "Offsite",
          "Tue, 3 Jun 2025 10:00:00 +0000", "Budget is tight."));
      JsonNode y = awaitCreated(tail, seen, "y@example.test");
      assertNotEquals(x.path("conversation_id").asText(), y.path("conversation_id").asText());
      // A localized reply from Bob, copied to Carol: shares a participant with both.
      dovecot.deliver(ACCOUNT, mail("z@example.test", null, null, "Bob <bob@example.test>", "AW: Offsite",
          "Wed, 4 Jun 2025 10:00:00 +0000", "Let us ask Carol.", "Cc: Carol <carol@example.test>\r\n"));
      awaitCreated(tail, seen, "z@example.test");
      FeedEntry merged = Await.until("conversation.merged", DEADLINE, () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        return seen.stream().filter(e -> e.type().equals("conversation.merged")).findFirst().orElse(null);
      });
      assertEquals("subject", merged.event().path("payload").path("reason").asText());
      assertEquals(x.path("conversation_id").asText(), merged.event().path("payload").path("surviving_id").asText());
      assertEquals(1, redis.sync().zcard(layout.conversationIndex(ACCOUNT)));
      JsonNode conv = Json.MAPPER.readTree(redis.sync().get(
          layout.conversation(ACCOUNT, x.path("conversation_id").asText())));
      assertEquals(3, conv.path("num_messages").asInt());
      assertEquals("Offsite", conv.path("subject").asText());
      Await.until("the survivor's update", DEADLINE, () -> {
        seen.addAll(tail.poll(Duration.ofMillis(100)));
        int m = seen.indexOf(merged);
        return seen.subList(m + 1, seen.size()).stream().anyMatch(e -> e.type().equals("conversation.updated"));
      });
      for (FeedEntry e : seen) {
        Schemas.assertValidEvent(e.event());
      }
    }
  }

  private static JsonNode awaitCreated(StreamTail tail, List<FeedEntry> seen, String messageId) {
    return Await.until("message.created for <" + messageId + ">", DEADLINE, () -> {
      seen.addAll(tail.poll(Duration.ofMillis(100)));
      return seen.stream().filter(e -> e.type().equals("message.created")
          && e.event().path("payload").path("message_id").asText().equals(messageId))
          .map(e -> e.event().path("payload")).findFirst().orElse(null);
    });
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asText()));
    return out;
  }

  private static byte[] mail(String messageId, String inReplyTo, String references, String from, String subject,
      String date, String body, String... extraHeaders) {
    StringBuilder sb = new StringBuilder();
    sb.append("Message-ID: <").append(messageId).append(">\r\n");
    if (inReplyTo != null) {
      sb.append("In-Reply-To: ").append(inReplyTo).append("\r\n");
    }
    if (references != null) {
      sb.append("References: ").append(references).append("\r\n");
    }
    sb.append("Date: ").append(date).append("\r\n");
    sb.append("From: ").append(from).append("\r\nTo: Alice <alice@example.test>\r\n");
    for (String h : extraHeaders) {
      sb.append(h);
    }
    sb.append("Subject: ").append(subject).append("\r\nMIME-Version: 1.0\r\n");
    sb.append("Content-Type: text/plain; charset=utf-8\r\n\r\n").append(body).append("\r\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
