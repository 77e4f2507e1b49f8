package io.imapsync.publish;

import io.imapsync.conversation.ConversationAssembler;
import io.imapsync.conversation.ThreadCandidates;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.lettuce.core.KeyValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The feed of one account: reads what a batch needs to know (which UIDs are already mirrored,
 * which conversations the messages join), assembles conversations, and writes everything with
 * the checkpoint in one fenced script call. Batches of one account must be sent one at a time;
 * the account's single owner guarantees that.
 */
public final class AccountFeed {
  private final KeyLayout layout;
  private final RedisAsyncCommands<String, String> redis;
  private final FeedWriter writer;
  private final String accountId;
  private final ConversationAssembler assembler;

  public AccountFeed(KeyLayout layout, RedisAsyncCommands<String, String> redis, FeedWriter writer,
      String accountId) {
    this.layout = layout;
    this.redis = redis;
    this.writer = writer;
    this.accountId = accountId;
    this.assembler = new ConversationAssembler(accountId);
  }

  public String accountId() {
    return accountId;
  }

  /**
   * Takes ownership: increments the account's epoch and returns it. Any writer still holding an
   * older epoch is refused from now on. (The shard coordinator will own this step.)
   */
  public CompletableFuture<Long> claimEpoch() {
    return redis.incr(layout.epoch(accountId)).toCompletableFuture();
  }

  public CompletableFuture<FolderCheckpoint> checkpoint(String mailbox) {
    return redis.hgetall(layout.folderState(accountId, mailbox)).toCompletableFuture().thenApply(h -> {
      if (h == null || h.isEmpty()) {
        return FolderCheckpoint.NONE;
      }
      return new FolderCheckpoint(num(h.get("uidvalidity")), num(h.get("uidnext")), num(h.get("highestmodseq")));
    });
  }

  /**
   * Publishes new messages of one folder and advances its checkpoint, atomically. Messages whose
   * UID is already mirrored are skipped (a re-fetch after a crash adds nothing). Completes with the
   * events written.
   */
  public CompletableFuture<List<ChangeEvent>> publishNew(long epoch, String mailbox, FolderCheckpoint next,
      List<MessageDocument> messages) {
    String uidsKey = layout.folderUids(accountId, mailbox);
    Set<String> candidates = new LinkedHashSet<>();
    for (MessageDocument m : messages) {
      candidates.addAll(ThreadCandidates.of(m));
    }
    String[] uidFields = messages.stream().map(m -> Long.toString(m.uid())).toArray(String[]::new);
    CompletableFuture<List<KeyValue<String, String>>> mirrored = uidFields.length == 0
        ? CompletableFuture.completedFuture(List.of())
        : redis.hmget(uidsKey, uidFields).toCompletableFuture();
    CompletableFuture<List<KeyValue<String, String>>> threads = candidates.isEmpty()
        ? CompletableFuture.completedFuture(List.of())
        : redis.hmget(layout.threadIndex(accountId), candidates.toArray(String[]::new)).toCompletableFuture();
    return mirrored.thenCombine(threads, (m, t) -> new Object[] {m, t}).thenCompose(pair -> {
      @SuppressWarnings("unchecked")
      List<KeyValue<String, String>> already = (List<KeyValue<String, String>>) pair[0];
      @SuppressWarnings("unchecked")
      List<KeyValue<String, String>> threadHits = (List<KeyValue<String, String>>) pair[1];
      Set<Long> skip = new java.util.HashSet<>();
      for (KeyValue<String, String> kv : already) {
        if (kv.hasValue()) {
          skip.add(Long.parseLong(kv.getKey()));
        }
      }
      List<MessageDocument> fresh = messages.stream().filter(x -> !skip.contains(x.uid())).toList();
      Map<String, String> index = new HashMap<>();
      for (KeyValue<String, String> kv : threadHits) {
        if (kv.hasValue()) {
          index.put(kv.getKey(), kv.getValue());
        }
      }
      List<String> convIds = new ArrayList<>(new LinkedHashSet<>(index.values()));
      CompletableFuture<Map<String, ConversationDocument>> convs = convIds.isEmpty()
          ? CompletableFuture.completedFuture(Map.of())
          : redis.mget(convIds.stream().map(c -> layout.conversation(accountId, c)).toArray(String[]::new))
              .toCompletableFuture().thenApply(values -> {
                Map<String, ConversationDocument> out = new HashMap<>();
                for (int i = 0; i < values.size(); i++) {
                  if (values.get(i).hasValue()) {
                    out.put(convIds.get(i), Json.read(values.get(i).getValue(), ConversationDocument.class));
                  }
                }
                return out;
              });
      return convs.thenCompose(known -> {
        ConversationAssembler.Assembled a = assembler.assemble(fresh,
            new ConversationAssembler.Known(index, known));
        WriteBatch batch = buildBatch(epoch, mailbox, next, a);
        return writer.write(batch).thenApply(ids -> batch.events());
      });
    });
  }

  private WriteBatch buildBatch(long epoch, String mailbox, FolderCheckpoint next, ConversationAssembler.Assembled a) {
    WriteBatch batch = new WriteBatch(layout, accountId, epoch);
    long now = System.currentTimeMillis();
    for (MessageDocument m : a.messages()) {
      // Guarded by the UID: a batch that races a re-fetch cannot write or announce a message twice.
      batch.once(layout.folderUids(accountId, mailbox), Long.toString(m.uid()), m.id(), 3);
      batch.hset(layout.folderFlags(accountId, mailbox), Long.toString(m.uid()), String.join(" ", m.flags()));
      batch.set(layout.message(accountId, m.id()), Json.write(m));
      batch.event(new ChangeEvent(
          EventIds.of(ChangeEvent.MESSAGE_CREATED, accountId, mailbox, m.uidvalidity(), m.uid()),
          ChangeEvent.MESSAGE_CREATED, accountId, now,
          new EventPosition(mailbox, m.uidvalidity(), m.uid(), -1), epoch, eventPayload(m)));
    }
    for (var e : a.newThreadIndexEntries().entrySet()) {
      batch.hset(layout.threadIndex(accountId), e.getKey(), e.getValue());
    }
    for (ConversationDocument c : a.conversations().values()) {
      batch.set(layout.conversation(accountId, c.id()), Json.write(c));
      batch.zadd(layout.conversationIndex(accountId), c.updatedAt(), c.id());
      batch.event(new ChangeEvent(
          EventIds.of(ChangeEvent.CONVERSATION_UPDATED, accountId, c.id(), c.version()),
          ChangeEvent.CONVERSATION_UPDATED, accountId, now,
          new EventPosition(mailbox, next.uidValidity(), -1, -1), epoch, Json.MAPPER.valueToTree(c)));
    }
    String state = layout.folderState(accountId, mailbox);
    batch.hset(state, "uidvalidity", Long.toString(next.uidValidity()));
    batch.hset(state, "uidnext", Long.toString(next.uidNext()));
    batch.hset(state, "highestmodseq", Long.toString(next.highestModSeq()));
    batch.hset(state, "synced_at", Long.toString(now));
    return batch;
  }

  /** The message without its bodies: events stay small; the full document is under its key. */
  private static com.fasterxml.jackson.databind.JsonNode eventPayload(MessageDocument m) {
    com.fasterxml.jackson.databind.node.ObjectNode node = Json.MAPPER.valueToTree(m);
    node.remove("body_text");
    node.remove("body_html");
    return node;
  }

  private static long num(String s) {
    return s == null ? -1 : Long.parseLong(s);
  }
}
