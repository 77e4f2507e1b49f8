package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import io.imapsync.sync.WatcherState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every message of the shared corpora ({@code ../shared/corpora} beside the repository) through the
 * whole path: delivered into a real Dovecot, synced by the daemon (IMAP over Netty, mime4j
 * normalization, the fenced Redis write), then read back from Redis. None may fail, every stored
 * document and every event must match the published schemas, and a sample of messages across the
 * corpus folders is checked field by field against expectations written by hand from the files.
 */
@Tag("integration")
class CorpusNormalizationIntegrationTest {
  /**
   * From the integration-tests module directory (Maven's working directory for tests): the
   * repository's parent holds {@code shared/}, here and in CI alike.
   */
  static final Path CORPORA = Path.of("..", "..", "shared", "corpora");
  private static final String USER = "alice";
  private static final String PASSWORD = "corpus-pw";
  private static final String ACCOUNT = "corpus";
  private static final Duration DEADLINE = Duration.ofSeconds(120);

  private static DovecotServer dovecot;
  private static RedisFixture redis;
  private static SharedResources resources;
  private static String prefix;
  private static KeyLayout layout;
  /** Corpus-relative path (with '/') to the document stored for it. */
  private static final Map<String, JsonNode> documents = new LinkedHashMap<>();
  private static final List<FeedEntry> events = new ArrayList<>();

  static List<Path> corpusFiles() {
    if (!Files.isDirectory(CORPORA)) {
      String why = "the shared corpora are missing: expected " + CORPORA.toAbsolutePath().normalize()
          + " (the 'shared' directory beside the repository checkout; see ../shared/README.md)";
      // Like the other corpus tests: skipped on a lone checkout, a failure in CI (which has shared/).
      if (!"true".equalsIgnoreCase(System.getenv("CI"))) {
        org.junit.jupiter.api.Assumptions.abort(why);
      }
      fail(why);
    }
    try (Stream<Path> walk = Files.walk(CORPORA)) {
      List<Path> files = walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals("README.md"))
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
      if (files.isEmpty()) {
        fail("no messages under " + CORPORA.toAbsolutePath().normalize());
      }
      return files;
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + CORPORA.toAbsolutePath(), e);
    }
  }

  @BeforeAll
  static void syncTheWholeCorpus() throws Exception {
    List<Path> files = corpusFiles();
    dovecot = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD));
    redis = RedisFixture.start();
    resources = SharedResources.create(2, 2);
    prefix = RedisFixture.uniquePrefix("corpus");
    layout = new KeyLayout(prefix, 4);

    // Delivered one by one, in path order: UID n is the n-th file.
    for (Path f : files) {
      dovecot.deliver(USER, Files.readAllBytes(f));
    }

    Map<String, WatcherState> states = new ConcurrentHashMap<>();
    SyncListener listener = new SyncListener() {
      @Override
      public void onStateChange(String accountId, WatcherState state, String detail) {
        states.put(accountId, state);
      }
    };
    try (RedisConnection tailConnection = redis.connect();
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, listener, Duration.ofMinutes(4))) {
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      daemon.add(new AccountConfig(ACCOUNT, ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE),
          USER, PASSWORD, "INBOX", Set.of("daniel@example.org"), 1_000));
      String expectedNext = Integer.toString(files.size() + 1);
      Await.until("the daemon's checkpoint past all " + files.size() + " corpus messages (uidnext "
          + expectedNext + ")", DEADLINE, () -> expectedNext.equals(
              redis.sync().hget(layout.folderState(ACCOUNT, "INBOX"), "uidnext")));
      Await.until("alice's INBOX back in IDLE", DEADLINE, () -> states.get(ACCOUNT) == WatcherState.IDLE);
      // A file that repeats another byte for byte is the same message in a second place: one
      // document, announced as message.updated with its mailboxes, not a second message.created.
      Await.until("a message.created (or, for a duplicate, a new place) per corpus message", DEADLINE, () -> {
        events.addAll(tail.poll(Duration.ofMillis(200)));
        return events.stream().filter(e -> e.type().equals("message.created") || (e.type().equals("message.updated")
            && e.event().path("payload").path("changed").has("mailboxes"))).count() == files.size();
      });
    }

    Map<String, String> uids = redis.sync().hgetall(layout.folderUids(ACCOUNT, "INBOX"));
    for (int i = 0; i < files.size(); i++) {
      String id = uids.get(Integer.toString(i + 1));
      String rel = CORPORA.relativize(files.get(i)).toString().replace('\\', '/');
      assertNotNull(id, "no message id recorded for UID " + (i + 1) + " (" + rel + ")");
      String json = redis.sync().get(layout.message(ACCOUNT, id));
      assertNotNull(json, "no document stored for " + rel);
      documents.put(rel, Json.MAPPER.readTree(json));
    }
  }

  @AfterAll
  static void stop() {
    if (resources != null) {
      resources.close();
    }
    if (redis != null) {
      redis.deleteKeys(prefix);
      redis.close();
    }
    if (dovecot != null) {
      dovecot.close();
    }
  }

  @Test
  void everyMessageIsStoredAndMatchesTheSchema() {
    assertEquals(corpusFiles().size(), documents.size());
    for (var e : documents.entrySet()) {
      JsonNode doc = e.getValue();
      try {
        Schemas.assertValid("message.schema.json", doc);
      } catch (AssertionError err) {
        throw new AssertionError(e.getKey() + ": " + err.getMessage(), err);
      }
      for (JsonNode w : doc.path("parse_warnings")) {
        assertFalse(w.asText().startsWith("MIME structure unreadable"), e.getKey() + ": " + w.asText());
      }
      assertTrue(doc.path("received_at").asLong() > 0, e.getKey() + ": INTERNALDATE from Dovecot");
      assertTrue(doc.path("size").asLong() > 0, e.getKey());
    }
    for (FeedEntry entry : events) {
      Schemas.assertValidEvent(entry.event());
    }
  }

  @Test
  void mostOfTheCorpusParsesWithoutWarnings() {
    // The corpus is real mail; only a few messages are broken. A sudden rise means a regression.
    Map<String, List<String>> warned = new HashMap<>();
    documents.forEach((path, doc) -> {
      if (!doc.path("parse_warnings").isEmpty()) {
        List<String> ws = new ArrayList<>();
        doc.path("parse_warnings").forEach(w -> ws.add(w.asText()));
        warned.put(path, ws);
      }
    });
    assertTrue(warned.size() <= 10, "messages with warnings: " + warned);
    assertTrue(warned.containsKey("notmuch/broken/broken-cc"), warned.toString());
    assertTrue(warned.containsKey("notmuch/broken/empty-part"), warned.toString());
  }

  @Test
  void attachmentCalendarInvite() {
    JsonNode d = doc("notmuch/attachment/text-calendar.eml");
    assertEquals("test", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "David Bremner", "bremner@example.com");
    assertAddress(d.path("to").path(0), "david@tethera.net", "david@tethera.net");
    // "Date: Thu Jan 01 00:00:10 +0000" has no year: INTERNALDATE is used, and said so
    assertEquals(d.path("received_at").asLong(), d.path("date").asLong());
    assertEquals(List.of("unparseable Date header 'Thu Jan 01 00:00:10 +0000'; INTERNALDATE used"),
        warnings(d));
    assertEquals("This meeting will could have been an email", d.path("blurb").asText());
    assertAttachments(d, List.of(new Att(null, "text/calendar", 1685, false)));
    assertTrue(d.path("has_attachments").asBoolean());
    assertEquals("YT3PR01MB10572EFC9F7C81F9446214768CEF72@YT3PR01MB10572.CANPRD01.PROD.OUTLOOK.COM",
        d.path("message_id").asText());
  }

  @Test
  void attachmentCompressedTar() {
    JsonNode d = doc("notmuch/attachment/x-gtar-compressed.eml");
    assertEquals("Re: bug: \"no top level messages\" crash on Zen email loops", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "Antoine Beaupré", "anarcat@orangeseeds.org");
    assertEquals(Instant.parse("2018-03-19T17:56:54Z").toEpochMilli(), d.path("date").asLong());
    assertAttachments(d, List.of(new Att("zendesk-email-loop2.tgz", "application/x-gtar-compressed", 5368, false)));
    assertTrue(d.path("blurb").asText().startsWith("And obviously I forget the frigging attachment."),
        d.path("blurb").asText());
    assertEquals(List.of(), warnings(d));
  }

  @Test
  void brokenDuplicateCc() {
    JsonNode d = doc("notmuch/broken/broken-cc");
    assertEquals("wowsers!", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "Alice", "alice@example.org");
    assertEquals(2, d.path("cc").size());
    assertAddress(d.path("cc").path(0), "Bob", "bob@example.org");
    assertAddress(d.path("cc").path(1), "Charles", "charles@example.org");
    assertEquals(Instant.parse("2016-06-17T02:14:41Z").toEpochMilli(), d.path("date").asLong());
    assertEquals("Note the Cc: and cc: headers.", d.path("blurb").asText());
    assertEquals(List.of("duplicate cc header; merged"), warnings(d));
  }

  @Test
  void brokenEmptyAttachedMessage() {
    JsonNode d = doc("notmuch/broken/empty-part");
    assertEquals("Post to freebsd-hackers@FreeBSD.org denied: Re: rcd(8) - new service manager daemon",
        d.path("subject").asText());
    assertAddress(d.path("from").path(0), null, "freebsd-hackers+owner@freebsd.org");
    assertEquals(Instant.parse("2026-06-23T05:47:52Z").toEpochMilli(), d.path("date").asLong());
    assertAttachments(d, List.of(new Att("message.eml", "message/rfc822", 0, false)));
    assertTrue(d.path("blurb").asText().startsWith("Hi, this is the Mlmmj program managing the "
        + "<freebsd-hackers@FreeBSD.org> mailing list."), d.path("blurb").asText());
    assertEquals(List.of("a header block ends without an empty line", "empty message/rfc822 part"), warnings(d));
  }

  @Test
  void brokenReferenceLoopIsNoParseProblem() {
    // the loop is the threader's business; the message itself is well-formed
    JsonNode d = doc("notmuch/broken/loop/loop-12");
    assertEquals("mid-loop-12@example.org", d.path("message_id").asText());
    assertEquals("mid-loop-21@example.org", d.path("in_reply_to").asText());
    assertEquals("referencing in-reply-to-loop-21", d.path("subject").asText());
    assertEquals(List.of(), warnings(d));
  }

  @Test
  void htmlWithRfc2047HeadersAndBothBodies() {
    JsonNode d = doc("notmuch/html/embedded-image");
    assertEquals("Tack alla trafikanter och fotgängare!", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "malmoborg", "daemon@lublin.se");
    assertAddress(d.path("to").path(0), "boende.malmoborg", "daemon@lublin.se");
    assertEquals(Instant.parse("2016-07-19T09:54:24Z").toEpochMilli(), d.path("date").asLong());
    assertTrue(d.path("body_text").asText().contains("I skrivande stund är vi i färd med att avetablera"));
    assertTrue(d.path("body_html").asText().startsWith("<table border=\"1\""));
    assertTrue(d.path("blurb").asText().startsWith(
        "<http://malmoborg.se/2016/07/tack-alla-trafikanter-och-fotgangare/> Malmö 2016-07-09 I skrivande"),
        d.path("blurb").asText());
    assertEquals(List.of(), warnings(d));
  }

  @Test
  void htmlAttributeTextStaysOutOfTheBlurb() {
    JsonNode d = doc("notmuch/html/attribute-text");
    assertEquals("test html attachment", d.path("subject").asText());
    assertEquals("hunter2", d.path("blurb").asText());
    assertTrue(d.path("body_text").isNull());
    assertEquals(List.of(), warnings(d));
    assertFalse(d.path("has_attachments").asBoolean());
  }

  @Test
  void defaultMailingListReply() {
    JsonNode d = doc("notmuch/default/cur/29:2,");
    assertEquals("[notmuch] archive", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "Keith Packard", "keithp@keithp.com");
    assertEquals(Instant.parse("2009-11-18T02:04:31Z").toEpochMilli(), d.path("date").asLong());
    assertEquals("20091117232137.GA7669@griffis1.net", d.path("in_reply_to").asText());
    assertEquals("Yeah, the archive appears broken and will need to wait until Carl arrives in Barcelona to get "
        + "fixed.", d.path("blurb").asText());
    assertEquals(List.of(), warnings(d));
  }

  @Test
  void lkmlPatchWithFoldedSubjectAndListHeaders() {
    JsonNode d = doc("notmuch/lkml/cur/1354585346.000260:2,");
    assertEquals("[notmuch] [PATCH 2/2] notmuch-new: Tag mails not as unread when the seen flag in the maildir "
        + "is set.", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "Stefan Schmidt", "stefan@datenfreihafen.org");
    assertEquals(List.of("yes", "1258848661-4660-1-git-send-email-stefan@datenfreihafen.org"),
        strings(d.path("references")));
    assertEquals("list", d.path("headers").path("precedence").asText());
    assertEquals("<mailto:notmuch@notmuchmail.org>", d.path("headers").path("list-post").asText());
    assertEquals("git-send-email 1.6.5.3", d.path("headers").path("x-mailer").asText());
    assertTrue(d.path("blurb").asText().startsWith("With the new notmuch_message_get_flags() function"));
    assertEquals(List.of(), warnings(d));
  }

  @Test
  void lkmlPatchWithMisencodedOctet() {
    JsonNode d = doc("notmuch/lkml/cur/1382298793.002267:2,");
    assertEquals("[PATCH 29/44] drivers/staging: Remove unnecessary semicolons", d.path("subject").asText());
    assertAddress(d.path("from").path(0), "Joe Perches", "joe@perches.com");
    assertEquals(Instant.parse("2010-11-15T03:04:48Z").toEpochMilli(), d.path("date").asLong());
    // "=A6" in a part labelled UTF-8 (a Big5 comment in the patched source)
    assertEquals(List.of("malformed UTF-8 in text/plain part; invalid octets replaced"), warnings(d));
    assertTrue(d.path("body_text").asText().contains("\uFFFDb 6250 don't care"));
  }

  @Test
  void threadingChildIsInboundForTheRecipient() {
    JsonNode d = doc("notmuch/threading/parent-priority/cur/child");
    assertEquals("child message", d.path("subject").asText());
    assertEquals("B00-root@example.org", d.path("in_reply_to").asText());
    assertAddress(d.path("to").path(0), "Daniel", "daniel@example.org");
    assertTrue(d.path("inbound").asBoolean(), "from Alice, not from the account's own daniel@example.org");
    assertEquals("This is a normal-ish reply, and has both a references header and an in-reply-to header.",
        d.path("blurb").asText());
    assertEquals(List.of(), warnings(d));
  }

  // ---- helpers ------------------------------------------------------------------------------

  private record Att(String filename, String contentType, long size, boolean inline) {}

  private static JsonNode doc(String relative) {
    JsonNode d = documents.get(relative);
    assertNotNull(d, "no document for " + relative + "; have " + documents.size());
    return d;
  }

  private static void assertAddress(JsonNode a, String name, String address) {
    if (name == null) {
      assertTrue(a.path("name").isNull(), a.toString());
    } else {
      assertEquals(name, a.path("name").asText(), a.toString());
    }
    assertEquals(address, a.path("address").asText(), a.toString());
  }

  private static void assertAttachments(JsonNode d, List<Att> expected) {
    List<Att> actual = new ArrayList<>();
    for (JsonNode a : d.path("attachments")) {
      actual.add(new Att(a.path("filename").isNull() ? null : a.path("filename").asText(),
          a.path("content_type").asText(), a.path("size").asLong(), a.path("inline").asBoolean()));
    }
    assertEquals(expected, actual);
  }

  private static List<String> warnings(JsonNode d) {
    return strings(d.path("parse_warnings"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
