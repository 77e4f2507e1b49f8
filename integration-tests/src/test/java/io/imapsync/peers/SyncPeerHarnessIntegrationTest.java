package io.imapsync.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.bench.PeerInitialSync;
import io.imapsync.bench.SyncPeerKind;
import io.imapsync.bench.SyntheticMail;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.Json;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each initial-sync peer of {@code bench initial-sync --peers} as the benchmark runs it (its own
 * process, driven over standard input) against a private Dovecot: every message of the folder
 * lands once in the run's Redis stream as a parsed document, on every run (the benchmark runs
 * each peer twice, cold and warm). Behaviour only; the figures are the benchmark's.
 */
@Tag("integration")
class SyncPeerHarnessIntegrationTest {
  private static final int MESSAGES = 40;
  private static final String USER = "bench";
  private static final String PASSWORD = "bench-pw";

  @ParameterizedTest
  @EnumSource(SyncPeerKind.class)
  void writesEveryMessageOfTheFolderParsedToTheRunsStreamOnce(SyncPeerKind kind) throws Exception {
    if (kind == SyncPeerKind.IMAPFLOW) {
      assumeTrue(PeerScripts.nodeInstalled(), "Node.js is not installed: the ImapFlow peer cannot run");
    }
    try (DovecotServer dovecot = DovecotServer.start(DovecotServer.options().user(USER, PASSWORD));
         RedisFixture redis = RedisFixture.start()) {
      Map<String, String> subjects = new HashMap<>();
      for (int n = 1; n <= MESSAGES; n++) {
        byte[] raw = SyntheticMail.message(USER, n);
        dovecot.deliver(USER, raw);
        jakarta.mail.internet.MimeMessage m = new jakarta.mail.internet.MimeMessage(null, new java.io.ByteArrayInputStream(raw));
        subjects.put(m.getMessageID(), m.getSubject());
      }
      String stream = RedisFixture.uniquePrefix("sync-peer-" + kind.id());
      try (PeerInitialSync peer = PeerInitialSync.start(kind.command(System.getProperty("java.class.path"), PeerScripts.projectRoot()),
          dovecot.host(), dovecot.port(), USER, PASSWORD, redis.url(), ProcessBuilder.Redirect.INHERIT)) {
        peer.awaitStarted(Duration.ofMinutes(2)); // the ImapFlow harness may run npm ci first
        for (String run : List.of("cold", "warm")) {
          String key = stream + ":" + run;
          ObjectNode figures = peer.sync(run, key, MESSAGES, redis.sync(), Duration.ofMinutes(1));
          assertEquals(MESSAGES, figures.path("entries_in_stream").asInt(), figures.toString());
          assertTrue(figures.path("messages_per_second").asDouble() > 0, figures.toString());
          List<StreamMessage<String, String>> entries = redis.sync().xrange(key, Range.create("-", "+"));
          Set<String> ids = new HashSet<>();
          Set<Long> uids = new HashSet<>();
          for (StreamMessage<String, String> e : entries) {
            JsonNode doc = Json.MAPPER.readTree(e.getBody().get("message"));
            String id = doc.path("message_id").asText();
            assertTrue(ids.add(id), run + ": " + id + " written twice");
            assertEquals(subjects.get(id), doc.path("subject").asText(), run + ": the parsed subject of " + id);
            assertTrue(doc.path("from").size() > 0, doc.toString());
            assertTrue(doc.path("body_text").asText().length() + doc.path("body_html").asText().length() > 0,
                run + ": no body read for " + doc);
            assertTrue(uids.add(doc.path("uid").asLong()) && doc.path("uid").asLong() > 0, doc.toString());
          }
          assertEquals(subjects.keySet(), ids, run + ": every message of the folder, and nothing else");
          redis.sync().del(key);
        }
      }
    }
  }
}
