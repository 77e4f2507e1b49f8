package io.imapsync.publish;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.conversation.ConversationAssembler;
import io.imapsync.conversation.ConversationAssembler.Assembled;
import io.imapsync.conversation.ConversationAssembler.Incoming;
import io.imapsync.conversation.ConversationAssembler.Known;
import io.imapsync.conversation.ConversationAssembler.Lookups;
import io.imapsync.conversation.ConversationAssembler.Merge;
import io.imapsync.conversation.ConversationAssembler.Plan;
import io.imapsync.conversation.ConversationOptions;
import io.imapsync.conversation.ServerHints;
import io.imapsync.conversation.SubjectEntry;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The feed of one account: the read-assemble-write step. For a batch it reads, in pipelined
 * round trips, which UIDs are already mirrored and what the threading state in Redis says about
 * the batch (thread index, Message-ID owners, base-subject index, then the conversations
 * involved); the {@link ConversationAssembler} threads the batch; and everything (messages,
 * index entries, merges, conversations, events, checkpoint) is written in one fenced script call.
 *
 * <p>Merges that absorb a stored conversation cost two more round trips: the absorbed
 * conversation's message documents (their conversation id changes) and their index entries.
 *
 * <p>Batches are written one at a time per feed (each waits for the previous one), since each
 * batch's reads must see the previous batch's writes. An account must have one feed.
 */
public final class AccountFeed {
  private static final TypeReference<List<SubjectEntry>> ENTRIES = new TypeReference<>() {};

  private final KeyLayout layout;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final FeedWriter writer;
  private final String accountId;
  private final ConversationAssembler assembler;
  private final SerialQueue queue;
  private final java.util.concurrent.Executor cpu;
  private final Placements placements;

  public AccountFeed(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer,
      String accountId) {
    this(layout, redis, writer, accountId, ConversationOptions.defaults());
  }

  public AccountFeed(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer,
      String accountId, ConversationOptions options) {
    this(layout, redis, writer, accountId, options, new SerialQueue());
  }

  /** @param queue the account's write queue, shared with its {@link FolderChanges} */
  public AccountFeed(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer,
      String accountId, ConversationOptions options, SerialQueue queue) {
    this(layout, redis, writer, accountId, options, queue, Runnable::run);
  }

  /**
   * @param cpu where conversations are assembled and documents serialized (the worker pool): off
   *     the event loop that also carries the account's IMAP and Redis traffic. Initial sync of one
   *     account spent 70 % of its event loop's time here (JFR), the loop being its bottleneck.
   */
  public AccountFeed(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer,
      String accountId, ConversationOptions options, SerialQueue queue, java.util.concurrent.Executor cpu) {
    this.cpu = cpu;
    this.queue = queue;
    this.placements = new Placements(layout, accountId);
    this.layout = layout;
    this.redis = redis;
    this.writer = writer;
    this.accountId = accountId;
    this.assembler = new ConversationAssembler(accountId, options);
  }

  public String accountId() {
    return accountId;
  }

  /**
   * Takes ownership: increments the account's epoch and returns it. Any writer still holding an
   * older epoch is refused from now on. (The shard coordinator will own this step.)
   */
  /** Completes once every write queued before this call has finished (whatever its outcome). */
  public CompletableFuture<Void> drained() {
    return queue.submit(() -> CompletableFuture.<Void>completedFuture(null));
  }

  public CompletableFuture<Long> claimEpoch() {
    return redis.incr(layout.epoch(accountId)).toCompletableFuture();
  }

  /**
   * The folder's checkpoint, read after every write of this account queued before the call: a
   * connection that replaces another (or visits a folder another pass just wrote) must not resume
   * from a checkpoint older than the mirror it is compared with.
   */
  public CompletableFuture<FolderCheckpoint> checkpoint(String mailbox) {
    return queue.submit(() -> redis.hgetall(layout.folderState(accountId, mailbox)).toCompletableFuture().thenApply(h -> {
      if (h == null || h.isEmpty()) {
        return FolderCheckpoint.NONE;
      }
      return new FolderCheckpoint(num(h.get("uidvalidity")), num(h.get("uidnext")), num(h.get("highestmodseq")));
    }));
  }

  public CompletableFuture<List<ChangeEvent>> publishNew(long epoch, String mailbox, FolderCheckpoint next,
      List<MessageDocument> messages) {
    return publishNew(epoch, mailbox, next, messages, Map.of());
  }

  /**
   * Publishes new messages of one folder and advances its checkpoint, atomically. Messages whose
   * UID is already mirrored are skipped (a re-fetch after a crash adds nothing). Completes with the
   * events written.
   *
   * @param hints what the server said about each message's thread, by UID (may be empty)
   */
  public CompletableFuture<List<ChangeEvent>> publishNew(long epoch, String mailbox,
      FolderCheckpoint next, List<MessageDocument> messages, Map<Long, ServerHints> hints) {
    return queue.submit(() -> publishNow(epoch, mailbox, next, messages, hints));
  }

  /**
   * New UIDs split in two: messages seen for the first time are threaded and announced as
   * message.created; messages already mirrored elsewhere (a copy, or a move's second half) get a
   * new place ({@link Placements}). The first batch carries the checkpoint only when there is no
   * second, so a crash between the two re-fetches and finishes the second.
   */
  private CompletableFuture<List<ChangeEvent>> publishNow(long epoch, String mailbox, FolderCheckpoint next,
      List<MessageDocument> messages, Map<Long, ServerHints> hints) {
    String uidsKey = layout.folderUids(accountId, mailbox);
    String[] uidFields = messages.stream().map(m -> Long.toString(m.uid())).toArray(String[]::new);
    CompletableFuture<Map<String, String>> mirrored = hmget(uidsKey, List.of(uidFields));
    CompletableFuture<Map<String, MessageDocument>> stored = documents(messages.stream().map(MessageDocument::id).toList());
    return mirrored.thenCombine(stored, (already, docs) -> {
      List<Incoming> fresh = new ArrayList<>();
      List<MessageDocument> placed = new ArrayList<>();
      Set<String> seen = new java.util.HashSet<>();
      for (MessageDocument m : messages) {
        if (already.containsKey(Long.toString(m.uid()))) {
          continue;
        }
        if (docs.containsKey(m.id()) || !seen.add(m.id())) {
          placed.add(m);
        } else {
          fresh.add(new Incoming(m, hints.getOrDefault(m.uid(), ServerHints.NONE)));
        }
      }
      return new Object[] {fresh, placed};
    }).thenCompose(split -> {
      @SuppressWarnings("unchecked")
      List<Incoming> fresh = (List<Incoming>) split[0];
      @SuppressWarnings("unchecked")
      List<MessageDocument> placed = (List<MessageDocument>) split[1];
      CompletableFuture<List<ChangeEvent>> first = fresh.isEmpty() && !placed.isEmpty()
          ? CompletableFuture.completedFuture(List.of())
          : publishFresh(epoch, mailbox, placed.isEmpty() ? next : null, fresh);
      return placed.isEmpty() ? first : first.thenCompose(events -> publishPlaced(epoch, mailbox, next, placed)
          .thenApply(more -> {
            List<ChangeEvent> all = new ArrayList<>(events);
            all.addAll(more);
            return all;
          }));
    });
  }

  /** Messages already mirrored in another place (or twice in this batch): new places, one batch. */
  private CompletableFuture<List<ChangeEvent>> publishPlaced(long epoch, String mailbox, FolderCheckpoint next,
      List<MessageDocument> placed) {
    List<String> ids = placed.stream().map(MessageDocument::id).distinct().toList();
    CompletableFuture<Map<String, String>> gone = hmget(layout.gone(accountId), ids);
    return documents(ids).thenCombine(gone, (docs, goneEntries) -> new Object[] {docs, goneEntries})
        .thenCompose(pair -> {
          @SuppressWarnings("unchecked")
          Map<String, MessageDocument> docs = new HashMap<>((Map<String, MessageDocument>) pair[0]);
          @SuppressWarnings("unchecked")
          Map<String, String> goneEntries = new HashMap<>((Map<String, String>) pair[1]);
          Set<String> convIds = new java.util.LinkedHashSet<>();
          docs.values().forEach(d -> convIds.add(d.conversationId()));
          convIds.remove(null);
          return conversations(convIds).thenCompose(convs -> {
            Map<String, ConversationDocument> touched = new java.util.LinkedHashMap<>(convs);
            Map<String, ConversationDocument> before = new HashMap<>(convs);
            WriteBatch batch = new WriteBatch(layout, accountId, epoch);
            long now = System.currentTimeMillis();
            for (MessageDocument m : placed) {
              MessageDocument current = docs.get(m.id());
              if (current == null) {
                continue; // deleted between reads: never happens inside the account's queue
              }
              String g = goneEntries.remove(m.id());
              docs.put(m.id(), placements.add(batch, epoch, now, current, m, g == null ? null : Placements.Gone.read(g),
                  touched));
            }
            for (ConversationDocument c : touched.values()) {
              if (c != before.get(c.id())) {
                String json = Json.write(c);
                batch.set(layout.conversation(accountId, c.id()), json);
                batch.event(new ChangeEvent(
                    EventIds.of(ChangeEvent.CONVERSATION_UPDATED, accountId, c.id(), c.version()),
                    ChangeEvent.CONVERSATION_UPDATED, accountId, now,
                    new EventPosition(mailbox, next.uidValidity(), -1, -1), epoch, Json.raw(json)));
              }
            }
            writeCheckpoint(batch, mailbox, next, now);
            return writer.write(batch).thenApply(x -> batch.events());
          });
        });
  }

  private CompletableFuture<Map<String, MessageDocument>> documents(List<String> ids) {
    return StoredDocuments.read(redis, ids, id -> layout.message(accountId, id), MessageDocument.class);
  }

  /** First sightings: thread them, write them, announce message.created (checkpoint if {@code next}). */
  private CompletableFuture<List<ChangeEvent>> publishFresh(long epoch, String mailbox, FolderCheckpoint next,
      List<Incoming> fresh) {
    {
      return readKnown(assembler.lookups(fresh)).thenCompose(partial -> {
        Set<String> convIds = assembler.conversationsToLoad(fresh, partial);
        return conversations(convIds).thenCompose(docs -> {
          Plan plan = assembler.plan(fresh, partial.withConversations(docs));
          return mergeDetails(plan).thenApplyAsync(details -> {
            Assembled a = assembler.assemble(plan, details.known(), details.messages());
            return buildBatch(epoch, mailbox, next, a);
          }, smallPush(fresh, docs, plan) ? INLINE : cpu).thenCompose(batch -> writer.write(batch).thenApply(ids -> batch.events()));
        });
      });
    }
  }

  private static final java.util.concurrent.Executor INLINE = Runnable::run;

  /**
   * One pushed message joining small conversations and absorbing none: its assembly and
   * serialization take tens of microseconds, less than the two hand-overs to the worker pool and
   * back would add to its latency, so they run where the reads completed.
   */
  private static boolean smallPush(List<Incoming> fresh, Map<String, ConversationDocument> docs, Plan plan) {
    if (fresh.size() != 1 || !plan.absorbedMessageIds().isEmpty()) {
      return false;
    }
    int messages = 0;
    for (ConversationDocument d : docs.values()) {
      messages += d.numMessages();
    }
    return messages <= SMALL_PUSH_MESSAGES;
  }

  static final int SMALL_PUSH_MESSAGES = 50;

  private record MergeDetails(Known known, Map<String, MessageDocument> messages) {}

  /** For merges that absorb stored conversations: their messages, then those messages' index entries. */
  private CompletableFuture<MergeDetails> mergeDetails(Plan plan) {
    List<String> ids = plan.absorbedMessageIds();
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(new MergeDetails(Known.empty(), Map.of()));
    }
    return redis.mget(ids.stream().map(id -> layout.message(accountId, id)).toArray(String[]::new))
        .toCompletableFuture().thenCompose(values -> {
          Map<String, MessageDocument> docs = new HashMap<>();
          for (int i = 0; i < values.size(); i++) {
            if (values.get(i).hasValue()) {
              docs.put(ids.get(i), Json.read(values.get(i).getValue(), MessageDocument.class));
            }
          }
          return readKnown(assembler.mergeLookups(docs.values())).thenApply(k -> new MergeDetails(k, docs));
        });
  }

  /** One pipelined round trip: thread index, Message-ID owners, base-subject index. */
  private CompletableFuture<Known> readKnown(Lookups l) {
    CompletableFuture<Map<String, String>> threads = hmget(layout.threadIndex(accountId), l.threadNames());
    CompletableFuture<Map<String, String>> owners = hmget(layout.messageIdOwners(accountId), l.messageIds());
    CompletableFuture<Map<String, String>> subjects = hmget(layout.subjectIndex(accountId), l.subjectFields());
    return CompletableFuture.allOf(threads, owners, subjects).thenApply(v -> {
      Map<String, List<SubjectEntry>> entries = new HashMap<>();
      subjects.join().forEach((field, json) -> entries.put(field, readEntries(json)));
      return new Known(threads.join(), owners.join(), entries, Map.of());
    });
  }

  private CompletableFuture<Map<String, ConversationDocument>> conversations(Set<String> ids) {
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    List<String> list = new ArrayList<>(ids);
    return redis.mget(list.stream().map(c -> layout.conversation(accountId, c)).toArray(String[]::new))
        .toCompletableFuture().thenApply(values -> {
          Map<String, ConversationDocument> out = new HashMap<>();
          for (int i = 0; i < values.size(); i++) {
            if (values.get(i).hasValue()) {
              out.put(list.get(i), Json.read(values.get(i).getValue(), ConversationDocument.class));
            }
          }
          return out;
        });
  }

  private CompletableFuture<Map<String, String>> hmget(String key, Iterable<String> fields) {
    Set<String> unique = new LinkedHashSet<>();
    fields.forEach(unique::add);
    if (unique.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return redis.hmget(key, unique.toArray(String[]::new)).toCompletableFuture().thenApply(kvs -> {
      Map<String, String> out = new HashMap<>();
      for (KeyValue<String, String> kv : kvs) {
        if (kv.hasValue()) {
          out.put(kv.getKey(), kv.getValue());
        }
      }
      return out;
    });
  }

  /** A damaged entry list is dropped (it only serves subject joins), never fatal. */
  private static List<SubjectEntry> readEntries(String json) {
    try {
      return Json.MAPPER.readValue(json, ENTRIES);
    } catch (Exception e) {
      return List.of();
    }
  }

  private WriteBatch buildBatch(long epoch, String mailbox, FolderCheckpoint next, Assembled a) {
    WriteBatch batch = new WriteBatch(layout, accountId, epoch);
    long now = System.currentTimeMillis();
    for (MessageDocument m : a.messages()) {
      // Guarded by the UID: a batch that races a re-fetch cannot write or announce a message twice.
      batch.once(layout.folderUids(accountId, mailbox), Long.toString(m.uid()), m.id(), 3);
      batch.hset(layout.folderFlags(accountId, mailbox), Long.toString(m.uid()), String.join(" ", m.flags()));
      batch.set(layout.message(accountId, m.id()), Json.bytes(m));
      batch.event(new ChangeEvent(
          EventIds.of(ChangeEvent.MESSAGE_CREATED, accountId, mailbox, m.uidvalidity(), m.uid()),
          ChangeEvent.MESSAGE_CREATED, accountId, now,
          new EventPosition(mailbox, m.uidvalidity(), m.uid(), -1), epoch, eventPayload(m)));
    }
    for (MessageDocument m : a.movedMessages()) {
      batch.set(layout.message(accountId, m.id()), Json.bytes(m));
    }
    for (var e : a.threadIndexWrites().entrySet()) {
      batch.hset(layout.threadIndex(accountId), e.getKey(), e.getValue());
    }
    for (var e : a.messageIdOwners().entrySet()) {
      batch.hset(layout.messageIdOwners(accountId), e.getKey(), e.getValue());
    }
    for (var e : a.subjectWrites().entrySet()) {
      batch.hset(layout.subjectIndex(accountId), e.getKey(), Json.write(e.getValue()));
    }
    long uidValidity = next != null ? next.uidValidity() : a.messages().isEmpty() ? -1 : a.messages().get(0).uidvalidity();
    EventPosition convPosition = new EventPosition(mailbox, uidValidity, -1, -1);
    for (Merge m : a.merges()) {
      batch.del(layout.conversation(accountId, m.absorbedId()));
      batch.zrem(layout.conversationIndex(accountId), m.absorbedId());
      batch.event(new ChangeEvent(
          EventIds.of(ChangeEvent.CONVERSATION_MERGED, accountId, m.absorbedId(), m.absorbedVersion(),
              m.survivingId(), m.survivingVersion()),
          ChangeEvent.CONVERSATION_MERGED, accountId, now, convPosition, epoch, mergePayload(m)));
    }
    for (ConversationDocument c : a.conversations()) {
      String json = Json.write(c);
      batch.set(layout.conversation(accountId, c.id()), json);
      batch.zadd(layout.conversationIndex(accountId), c.updatedAt(), c.id());
      batch.event(new ChangeEvent(
          EventIds.of(ChangeEvent.CONVERSATION_UPDATED, accountId, c.id(), c.version()),
          ChangeEvent.CONVERSATION_UPDATED, accountId, now, convPosition, epoch, Json.raw(json)));
    }
    if (next != null) {
      writeCheckpoint(batch, mailbox, next, now);
    }
    return batch;
  }

  private void writeCheckpoint(WriteBatch batch, String mailbox, FolderCheckpoint next, long now) {
    String state = layout.folderState(accountId, mailbox);
    batch.hset(state, "uidvalidity", Long.toString(next.uidValidity()));
    batch.hset(state, "uidnext", Long.toString(next.uidNext()));
    batch.hset(state, "highestmodseq", Long.toString(next.highestModSeq()));
    batch.hset(state, "synced_at", Long.toString(now));
    batch.hset(layout.folders(accountId), mailbox, Long.toString(next.uidValidity()));
  }

  /** docs/schemas/conversation-merged.schema.json */
  static JsonNode mergePayload(Merge m) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("surviving_id", m.survivingId());
    node.put("absorbed_id", m.absorbedId());
    node.put("reason", m.reason());
    node.set("message_ids", Json.MAPPER.valueToTree(m.messageIds()));
    node.put("absorbed_version", m.absorbedVersion());
    node.put("surviving_version", m.survivingVersion());
    return node;
  }

  /** The message without its bodies: events stay small; the full document is under its key. */
  private static JsonNode eventPayload(MessageDocument m) {
    return Json.withoutBodies(m);
  }

  private static long num(String s) {
    return s == null ? -1 : Long.parseLong(s);
  }
}
