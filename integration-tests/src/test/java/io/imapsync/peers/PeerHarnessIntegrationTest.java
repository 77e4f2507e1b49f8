package io.imapsync.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.bench.PeerKind;
import io.imapsync.bench.PeerProcess;
import io.imapsync.bench.PeerStreamReader;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.loadsim.LoadSimConfig;
import io.imapsync.loadsim.LoadSimulator;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each peer of {@code bench --peers} as the benchmark runs it (its own process, the peer
 * protocol) against the load simulator: 20 mailboxes reach IDLE on one connection each, and
 * every delivery reaches the peer exactly once with its Message-ID stamp; in the full job each
 * new message lands once in the peer's Redis stream as a parsed document. Behaviour only; the
 * figures are the benchmark's.
 */
@Tag("integration")
class PeerHarnessIntegrationTest {
  private static final int MAILBOXES = 20;

  @ParameterizedTest
  @EnumSource(PeerKind.class)
  void holdsEveryMailboxInIdleAndReceivesEachDeliveryOnce(PeerKind kind) throws Exception {
    LoadSimConfig config = runnable(kind);
    try (LoadSimulator sim = LoadSimulator.start(config);
         PeerProcess peer = PeerProcess.start(kind.command(System.getProperty("java.class.path"), PeerScripts.projectRoot()),
             sim.port(), 1, MAILBOXES, 5, ProcessBuilder.Redirect.INHERIT)) {
      // The ImapFlow harness may run npm ci first (a fresh clone).
      JsonNode started = peer.await("started", Duration.ofMinutes(2));
      assertEquals(peer.pid(), started.path("pid").asLong(), "the process measured must be the peer itself");
      peer.send("connect");
      Await.until(MAILBOXES + " mailboxes in IDLE", Duration.ofSeconds(30), () -> sim.idleConnections() == MAILBOXES);
      JsonNode connected = peer.await("connected", Duration.ofSeconds(10));
      assertEquals(MAILBOXES, connected.path("connected").asInt(), connected.toString());
      assertEquals(0, connected.path("failed").asInt(), connected.toString());
      assertEquals(1, sim.maxConnectionsPerUser(), "one connection per mailbox");

      Map<String, Integer> sent = deliverTwoRounds(sim, peer);
      assertEquals(sent, peer.receivedCounts(), "each delivery received once, and nothing else");
      assertTrue(peer.latenciesSorted().stream().allMatch(l -> l >= 0), "a latency below zero: " + peer.latenciesSorted());

      peer.send("gc");
      assertTrue(peer.await("memory", Duration.ofSeconds(30)).path("heap_used_bytes").asLong() > 0);
    }
  }

  @ParameterizedTest
  @EnumSource(PeerKind.class)
  void fullJobWritesEachNewMessageParsedToItsRedisStreamOnce(PeerKind kind) throws Exception {
    LoadSimConfig config = runnable(kind);
    String stream = RedisFixture.uniquePrefix("peer-" + kind.id()) + ":messages";
    try (RedisFixture redis = RedisFixture.start();
         LoadSimulator sim = LoadSimulator.start(config);
         PeerProcess peer = PeerProcess.start(kind.command(System.getProperty("java.class.path"), PeerScripts.projectRoot()),
             sim.port(), 1, MAILBOXES, 5, List.of("--redis-url", redis.url(), "--stream", stream),
             ProcessBuilder.Redirect.INHERIT)) {
      peer.await("started", Duration.ofMinutes(2));
      peer.send("connect");
      Await.until(MAILBOXES + " mailboxes in IDLE", Duration.ofSeconds(30), () -> sim.idleConnections() == MAILBOXES);
      Map<String, Integer> sent;
      try (PeerStreamReader reader = PeerStreamReader.start(redis.url(), stream, peer)) {
        sent = deliverTwoRounds(sim, peer);
        assertEquals(sent, peer.receivedCounts(), "each new message written once, and nothing else");
        assertEquals(null, reader.failure());
        // What was written is the parsed message, not just its id.
        var entries = redis.sync().xrange(stream, io.lettuce.core.Range.create("-", "+"));
        assertEquals(sent.size(), entries.size());
        JsonNode doc = io.imapsync.model.Json.MAPPER.readTree(entries.get(0).getBody().get("message"));
        assertTrue(sent.containsKey(doc.path("message_id").asText()), doc.toString());
        assertTrue(doc.path("subject").asText().length() > 0, doc.toString());
        assertTrue(doc.path("from").size() > 0, doc.toString());
        assertTrue(doc.path("body_text").asText().length() + doc.path("body_html").asText().length() > 0, doc.toString());
        assertTrue(doc.path("uid").asLong() > 1, "the new message's UID: " + doc);
      }
      assertEquals(0, redis.sync().exists(stream), "the reader deletes the benchmark's stream");
    }
  }

  /** Skips the ImapFlow peer without Node.js; the simulator's configuration for every peer. */
  private static LoadSimConfig runnable(PeerKind kind) {
    if (kind == PeerKind.IMAPFLOW) {
      assumeTrue(PeerScripts.nodeInstalled(), "Node.js is not installed: the ImapFlow peer cannot run");
    }
    return LoadSimConfig.builder().mailboxes(MAILBOXES).port(0).ioThreads(1).inboxMessages(1).otherFolderMessages(0)
        .build();
  }

  /**
   * Two rounds of deliveries into the same mailboxes, each awaited at the peer: each peer fetches
   * the new message (leaving IDLE) and must go back into IDLE to see the second.
   */
  private static Map<String, Integer> deliverTwoRounds(LoadSimulator sim, PeerProcess peer) {
    Map<String, Integer> sent = new HashMap<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 1; i <= 4; i++) {
        sent.put(sim.deliver(sim.userName(i * 5), "INBOX").messageId(), 1);
      }
      int expected = sent.size();
      Await.until(expected + " deliveries at the peer", Duration.ofSeconds(15), () -> peer.receivedDistinct() == expected);
      Await.until("every mailbox back in IDLE", Duration.ofSeconds(15), () -> sim.idleConnections() == MAILBOXES);
    }
    return sent;
  }
}
