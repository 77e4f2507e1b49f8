package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.conversation.ConversationAssembler;
import io.imapsync.conversation.ConversationAssembler.Incoming;
import io.imapsync.conversation.ConversationOptions;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ThreadTree;
import io.imapsync.imap.session.CommandResult;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.Security;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.it.ThreadingComparison.Disagreement;
import io.imapsync.it.ThreadingComparison.Msg;
import io.imapsync.it.ThreadingComparison.Reason;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.Corpora;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threading of the notmuch {@code lkml} corpus (210 Linux kernel mailing list messages with deep
 * reply trees), and of the smaller notmuch corpora, against an independent answer: Dovecot's
 * {@code THREAD REFERENCES UTF-8 ALL}.
 *
 * <p>Each corpus is delivered into a real Dovecot twice, once in corpus order (account "fwd") and
 * once reversed ("rev"); the daemon mirrors both into Redis end to end (IMAP fetch in chunks of
 * 50, normalization, threading against the state in Redis, the fenced write). Then:
 * <ul>
 *   <li>both orders must give the same conversations;</li>
 *   <li>our conversations are compared with Dovecot's threads, and every disagreement must be one
 *       of our deliberate rules, exactly the ones listed in {@link #EXPECTED} and docs/threading.md.</li>
 * </ul>
 * The comparison is written to {@code target/<corpus>-threading.md} (copied into docs/threading.md).
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LkmlThreadingIntegrationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(120);
  private static final String PASSWORD = "lkml-pw";

  /**
   * The disagreements documented in docs/threading.md, by corpus: each as the first message (by
   * name) of the group, with its reason. Changing threading rules changes this list, the report
   * and the docs together.
   */
  private static final Map<String, Map<String, Reason>> EXPECTED = Map.of(
      "notmuch/lkml", Map.of(),
      "notmuch/default", Map.of(),
      "notmuch/threading", Map.of("ghost-root/child", Reason.REFERENCES_UNION),
      "notmuch/broken", Map.of());
  private String corpus;

  @ParameterizedTest
  @ValueSource(strings = {"notmuch/lkml", "notmuch/default", "notmuch/threading", "notmuch/broken"})
  void threadsLikeDovecotExceptForOurDeliberateRules(String corpus) throws Exception {
    List<Path> files = Corpora.maildir(corpus);
    this.corpus = corpus;
    List<Path> reversed = new ArrayList<>(files);
    Collections.reverse(reversed);

    String prefix = RedisFixture.uniquePrefix(corpus.substring(corpus.indexOf('/') + 1));
    KeyLayout layout = new KeyLayout(prefix, 4);
    try (RedisFixture redis = RedisFixture.start();
        SharedResources resources = SharedResources.create(2, 2);
        DovecotServer dovecot = DovecotServers.startForTest(
            DovecotServer.options().user("fwd", PASSWORD).user("rev", PASSWORD))) {
      try {
        compare(files, reversed, layout, redis, resources, dovecot);
      } finally {
        redis.deleteKeys(prefix);
      }
    }
  }

  private void compare(List<Path> files, List<Path> reversed, KeyLayout layout, RedisFixture redis,
      SharedResources resources, DovecotServer dovecot) throws Exception {
    for (Path f : files) {
      dovecot.deliver("fwd", Files.readAllBytes(f));
    }
    for (Path f : reversed) {
      dovecot.deliver("rev", Files.readAllBytes(f));
    }
    try (SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE,
        Duration.ofMinutes(4))) {
      for (String account : List.of("fwd", "rev")) {
        daemon.add(new AccountConfig(account, ImapEndpoint.of(dovecot.host(), dovecot.port(),
            Security.PLAIN_INSECURE), account, PASSWORD, "INBOX", Set.of(), 1_000));
      }
      for (String account : List.of("fwd", "rev")) {
        Await.until(account + " mirrored", DEADLINE, () -> String.valueOf(files.size() + 1)
            .equals(redis.sync().hget(layout.folderState(account, "INBOX"), "uidnext")));
      }
    }
    // UID n of "fwd" is corpus file n; of "rev", file (size + 1 - n).
    Map<Long, String> fwdNames = new HashMap<>();
    Map<Long, String> revNames = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      fwdNames.put(i + 1L, name(files.get(i)));
      revNames.put(i + 1L, name(reversed.get(i)));
    }
    Map<String, JsonNode> docs = new TreeMap<>();
    Set<Set<String>> fwd = ourPartition(redis, layout, "fwd", fwdNames, docs);
    Set<Set<String>> rev = ourPartition(redis, layout, "rev", revNames, new HashMap<>());
    for (var e : docs.entrySet()) {
      // The UID-to-file mapping holds: each stored message is that file's message.
      String header = headerMessageId(files, e.getKey());
      assertEquals(header, e.getValue().path("message_id").asText(null), e.getKey());
    }
    assertEquals(fwd, rev, "delivered in reverse, the corpus forms the same conversations");

    List<ThreadTree> threads = dovecotThreads(resources, dovecot, files.size());
    Map<String, String> dovecotGroup = new HashMap<>();
    Set<String> roots = new HashSet<>();
    for (int t = 0; t < threads.size(); t++) {
      ThreadTree tree = threads.get(t);
      for (long uid : tree.members()) {
        dovecotGroup.put(fwdNames.get(uid), "t" + t);
      }
      for (ThreadTree.Node n : tree.nodes()) {
        boolean root = n.parent() < 0 || tree.nodes().get(n.parent()).number() == 0;
        if (root && n.number() != 0) {
          roots.add(fwdNames.get(n.number()));
        }
      }
    }
    Set<Set<String>> dovecotPartition = ThreadingComparison.partition(dovecotGroup);

    Map<String, Msg> msgs = new TreeMap<>();
    docs.forEach((name, doc) -> msgs.put(name, new Msg(name, doc)));
    ThreadingComparison cmp = new ThreadingComparison(msgs, ConversationOptions.DEFAULT_SUBJECT_WINDOW,
        Set.of(), roots);
    List<Disagreement> disagreements = cmp.compare(dovecotPartition, fwd);
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    counts.put("disagreements if subject joining were off (References only)",
        ThreadingComparison.differingGroups(dovecotPartition, threadInMemory(docs, Duration.ZERO)));
    counts.put("Dovecot threads that References alone do not connect (joined by subject)",
        subjectOnlyThreads(threads, fwdNames, docs));
    counts.put("disagreements if ids without '@' were links", ThreadingComparison.differingGroups(
        dovecotPartition, threadInMemory(withInvalidIdsAsLinks(docs),
        ConversationOptions.DEFAULT_SUBJECT_WINDOW)));
    counts.put("Message-IDs carried by more than one message", duplicateIds(docs));
    counts.put("messages naming an id without '@' (e.g. <yes>), ignored as a link", invalidLinks(docs));
    String report = cmp.report(dovecotPartition, fwd, disagreements, counts);
    Path out = Path.of("target", corpus.replace('/', '-') + "-threading.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report);

    Map<String, Reason> actual = new TreeMap<>();
    for (Disagreement d : disagreements) {
      actual.put(d.ourConversations().stream().map(c -> c.iterator().next()).sorted().findFirst().orElseThrow(),
          d.reason());
    }
    assertTrue(disagreements.stream().noneMatch(d -> d.reason() == Reason.UNEXPLAINED),
        "every disagreement with Dovecot is a deliberate rule; see " + out.toAbsolutePath() + "\n" + report);
    assertEquals(EXPECTED.get(corpus), actual, "the disagreements documented in docs/threading.md; report: "
        + out.toAbsolutePath());
  }

  private static Set<Set<String>> ourPartition(RedisFixture redis, KeyLayout layout, String account,
      Map<Long, String> names, Map<String, JsonNode> docsOut) throws Exception {
    Map<String, String> uids = redis.sync().hgetall(layout.folderUids(account, "INBOX"));
    assertEquals(names.size(), uids.size(), account + ": every message mirrored");
    Map<String, String> group = new HashMap<>();
    for (var e : uids.entrySet()) {
      String json = redis.sync().get(layout.message(account, e.getValue()));
      JsonNode doc = Json.MAPPER.readTree(json);
      String name = names.get(Long.parseLong(e.getKey()));
      group.put(name, doc.path("conversation_id").asText());
      docsOut.put(name, doc);
      assertTrue(redis.sync().exists(layout.conversation(account, doc.path("conversation_id").asText())) == 1);
    }
    assertEquals(Set.copyOf(group.values()).size(), redis.sync().zcard(layout.conversationIndex(account)),
        account + ": the conversation index lists exactly the conversations");
    return ThreadingComparison.partition(group);
  }

  private static List<ThreadTree> dovecotThreads(SharedResources resources, DovecotServer dovecot, int expected)
      throws Exception {
    ImapSession s = ImapSession.connect(resources, ImapEndpoint.of(dovecot.host(), dovecot.port(),
        Security.PLAIN_INSECURE), SessionListener.NONE).get(10, TimeUnit.SECONDS);
    try {
      s.login("fwd", PASSWORD).get(10, TimeUnit.SECONDS);
      s.select("INBOX").get(10, TimeUnit.SECONDS);
      CommandResult r = s.execute(s.command("UID THREAD").sp().raw("REFERENCES UTF-8 ALL").build())
          .get(20, TimeUnit.SECONDS);
      List<ThreadTree> out = new ArrayList<>();
      for (ImapResponse u : r.untagged()) {
        if (u instanceof ImapResponse.Thread t) {
          out.addAll(t.threads());
        }
      }
      assertEquals(expected, out.stream().mapToInt(t -> t.members().size()).sum(), "THREAD covers every message");
      return out;
    } finally {
      s.logout().get(10, TimeUnit.SECONDS);
    }
  }

  private String headerMessageId(List<Path> files, String name) throws Exception {
    for (Path f : files) {
      if (name(f).equals(name)) {
        for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
          if (line.isEmpty()) {
            break;
          }
          if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
            String v = line.substring(11).strip();
            return v.startsWith("<") && v.endsWith(">") ? v.substring(1, v.length() - 1) : v;
          }
        }
        return null;
      }
    }
    throw new AssertionError("no file " + name);
  }

  /** A message's name in reports: its path below the corpus folder. */
  private String name(Path file) {
    return Corpora.root().resolve(corpus).relativize(file).toString();
  }

  /** Our threading of the same messages in memory, in one batch, with another subject window (zero: off). */
  private static Set<Set<String>> threadInMemory(Map<String, JsonNode> docs, Duration window) {
    ConversationAssembler a = new ConversationAssembler("ablation",
        ConversationOptions.defaults().withSubjectWindow(window));
    List<Incoming> batch = new ArrayList<>();
    List<String> names = new ArrayList<>();
    docs.forEach((name, doc) -> {
      batch.add(Incoming.of(Json.MAPPER.convertValue(doc, MessageDocument.class)));
      names.add(name);
    });
    ConversationAssembler.Assembled out = a.assemble(batch, ConversationAssembler.Known.empty());
    Map<String, String> group = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      group.put(names.get(i), out.messages().get(i).conversationId());
    }
    return ThreadingComparison.partition(group);
  }

  /** Dovecot threads under a dummy root whose top-level children are not linked by any shared id. */
  private static int subjectOnlyThreads(List<ThreadTree> threads, Map<Long, String> names, Map<String, JsonNode> docs) {
    Set<Set<String>> refs = threadInMemory(docs, Duration.ZERO);
    int n = 0;
    for (ThreadTree t : threads) {
      Set<String> members = t.members().stream().map(names::get).collect(Collectors.toSet());
      long parts = refs.stream().filter(p -> p.stream().anyMatch(members::contains)).count();
      if (parts > 1) {
        n++;
      }
    }
    return n;
  }

  /** The ablation of the '@' rule: every id without '@' gets one, so it links like any other. */
  private static Map<String, JsonNode> withInvalidIdsAsLinks(Map<String, JsonNode> docs) {
    Map<String, JsonNode> out = new TreeMap<>();
    docs.forEach((name, doc) -> {
      ObjectNode copy = doc.deepCopy();
      if (copy.path("in_reply_to").isTextual() && !copy.path("in_reply_to").asText().contains("@")) {
        copy.put("in_reply_to", copy.path("in_reply_to").asText() + "@ablation");
      }
      ArrayNode refs = copy.putArray("references");
      for (JsonNode r : doc.path("references")) {
        refs.add(r.asText().contains("@") ? r.asText() : r.asText() + "@ablation");
      }
      out.put(name, copy);
    });
    return out;
  }

  private static int duplicateIds(Map<String, JsonNode> docs) {
    Map<String, Integer> count = new HashMap<>();
    docs.values().forEach(d -> {
      if (d.path("message_id").isTextual()) {
        count.merge(d.path("message_id").asText(), 1, Integer::sum);
      }
    });
    return (int) count.values().stream().filter(c -> c > 1).count();
  }

  private static int invalidLinks(Map<String, JsonNode> docs) {
    int n = 0;
    for (JsonNode d : docs.values()) {
      boolean bad = !d.path("in_reply_to").isNull() && !d.path("in_reply_to").asText().contains("@");
      for (JsonNode r : d.path("references")) {
        bad |= !r.asText().contains("@");
      }
      n += bad ? 1 : 0;
    }
    return n;
  }
}
