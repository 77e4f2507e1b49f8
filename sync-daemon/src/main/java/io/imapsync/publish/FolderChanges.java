package io.imapsync.publish;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.conversation.ConversationEdits;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.MessageLocation;
import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes to messages already mirrored in a folder: flags changed, messages expunged, the whole
 * folder reset by a new UIDVALIDITY. Each call reads what it needs (UID map, documents,
 * conversations), then writes documents, conversations, checkpoint and events in one fenced batch.
 */
public final class FolderChanges {
  private static final Logger log = LoggerFactory.getLogger(FolderChanges.class);
  private final KeyLayout layout;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final FeedWriter writer;
  private final String accountId;
  private final SerialQueue queue;
  private final Placements placements;
  private volatile Runnable onGone = () -> { };

  public FolderChanges(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer, String accountId) {
    this(layout, redis, writer, accountId, new SerialQueue());
  }

  /** @param queue the account's write queue, shared with its {@link AccountFeed} */
  public FolderChanges(KeyLayout layout, RedisClusterAsyncCommands<String, String> redis, FeedWriter writer, String accountId,
      SerialQueue queue) {
    this.queue = queue;
    this.placements = new Placements(layout, accountId);
    this.layout = layout;
    this.redis = redis;
    this.writer = writer;
    this.accountId = accountId;
  }

  /**
   * Called after a write put messages on the gone list: the account should check its other folders
   * and then {@link #finalizeGone}. Runs on a Redis thread; hand it off.
   */
  public void onGone(Runnable callback) {
    this.onGone = callback;
  }

  /**
   * UID to flags (space-separated) of everything mirrored in the folder: the fallback path compares
   * against it. Read after the account's writes queued before the call (as the checkpoint is).
   */
  public CompletableFuture<Map<Long, String>> mirroredFlags(String mailbox) {
    return queue.submit(() -> redis.hgetall(layout.folderFlags(accountId, mailbox)).toCompletableFuture().thenApply(h -> {
      Map<Long, String> out = new HashMap<>(h.size() * 2);
      h.forEach((k, v) -> out.put(Long.parseLong(k), v));
      return out;
    }));
  }

  /** Publishes flag changes (message.updated + conversation.updated) and the new checkpoint. */
  public CompletableFuture<List<ChangeEvent>> publishFlags(long epoch, String mailbox, FolderCheckpoint next,
      List<FlagChange> changes) {
    return queue.submit(() -> flagsNow(epoch, mailbox, next, changes));
  }

  private CompletableFuture<List<ChangeEvent>> flagsNow(long epoch, String mailbox, FolderCheckpoint next,
      List<FlagChange> changes) {
    if (changes.isEmpty()) {
      return writeCheckpointOnly(epoch, mailbox, next);
    }
    String[] uids = changes.stream().map(c -> Long.toString(c.uid())).toArray(String[]::new);
    CompletableFuture<Map<Long, Long>> versions = redis.hmget(layout.folderFlagVersions(accountId, mailbox), uids)
        .toCompletableFuture().thenApply(kvs -> {
          Map<Long, Long> v = new HashMap<>();
          for (KeyValue<String, String> kv : kvs) {
            v.put(Long.parseLong(kv.getKey()), kv.hasValue() ? Long.parseLong(kv.getValue()) : 0L);
          }
          return v;
        });
    // Flags are a place's (a UID's), not the message's: one message can have two places with
    // different flags (two copies in one folder, a copy elsewhere). Compare with what this place
    // had; the document carries its primary place's flags.
    CompletableFuture<Map<Long, String>> placeFlags = redis.hmget(layout.folderFlags(accountId, mailbox), uids)
        .toCompletableFuture().thenApply(kvs -> {
          Map<Long, String> f = new HashMap<>();
          for (KeyValue<String, String> kv : kvs) {
            if (kv.hasValue()) {
              f.put(Long.parseLong(kv.getKey()), kv.getValue());
            }
          }
          return f;
        });
    return redis.hmget(layout.folderUids(accountId, mailbox), uids).toCompletableFuture()
        .thenCombine(versions, (ids, v) -> new Object[] {ids, v})
        .thenCombine(placeFlags, (pair, f) -> new Object[] {pair[0], pair[1], f})
        .thenCompose(pair -> {
          @SuppressWarnings("unchecked")
          List<KeyValue<String, String>> ids = (List<KeyValue<String, String>>) pair[0];
          @SuppressWarnings("unchecked")
          Map<Long, Long> flagVersions = (Map<Long, Long>) pair[1];
          @SuppressWarnings("unchecked")
          Map<Long, String> before = (Map<Long, String>) pair[2];
          return loadDocuments(ids).thenCompose(docs -> {
          Map<Long, MessageDocument> byUid = new LinkedHashMap<>();
          for (FlagChange c : changes) {
            MessageDocument d = docs.get(c.uid());
            if (d == null) {
              continue;
            }
            String had = before.get(c.uid());
            List<String> placeHad = had == null ? d.flags() : List.of(had.split(" "));
            if (!sameFlags(placeHad, c.flags()) || labelsChanged(d, c)) {
              byUid.put(c.uid(), d);
            }
          }
          return loadConversations(byUid.values()).thenCompose(convs -> {
            WriteBatch b = new WriteBatch(layout, accountId, epoch);
            long now = System.currentTimeMillis();
            Map<String, ConversationDocument> touched = new LinkedHashMap<>();
            Map<String, MessageDocument> current = new HashMap<>(); // two places of one message in one batch
            for (FlagChange c : changes) {
              MessageDocument d = byUid.get(c.uid());
              if (d == null) {
                continue;
              }
              d = current.getOrDefault(d.id(), d);
              boolean primary = d.mailbox().equals(mailbox) && d.uid() == c.uid();
              MessageDocument place = d.withFlags(c.flags()); // this place's view, for the event
              boolean relabelled = labelsChanged(d, c);
              MessageDocument updated = primary ? place : d;
              if (relabelled) {
                updated = updated.withGmailLabels(c.gmailLabels());
                place = place.withGmailLabels(c.gmailLabels());
              }
              if (primary || relabelled) {
                b.set(layout.message(accountId, d.id()), Json.bytes(updated));
                current.put(d.id(), updated);
              }
              b.hset(layout.folderFlags(accountId, mailbox), Long.toString(c.uid()), String.join(" ", c.flags()));
              ObjectNode payload = Json.MAPPER.createObjectNode();
              payload.put("id", d.id()).put("conversation_id", d.conversationId()).put("mailbox", mailbox)
                  .put("uid", c.uid());
              ObjectNode changed = payload.putObject("changed");
              changed.put("unread", place.unread()).put("starred", place.starred())
                  .put("answered", place.answered()).put("draft", place.draft());
              changed.set("flags", Json.MAPPER.valueToTree(c.flags()));
              if (relabelled) {
                changed.set("gmail_labels", Json.MAPPER.valueToTree(c.gmailLabels()));
              }
              long version = flagVersions.getOrDefault(c.uid(), 0L) + 1;
              flagVersions.put(c.uid(), version);
              b.hset(layout.folderFlagVersions(accountId, mailbox), Long.toString(c.uid()), Long.toString(version));
              long uidvalidity = uidvalidityOf(d, mailbox, c.uid());
              b.event(new ChangeEvent(EventIds.of(ChangeEvent.MESSAGE_UPDATED, accountId, mailbox, uidvalidity,
                  c.uid(), version), ChangeEvent.MESSAGE_UPDATED,
                  accountId, now, new EventPosition(mailbox, uidvalidity, c.uid(), c.modSeq()), epoch, payload));
              ConversationDocument conv = touched.getOrDefault(d.conversationId(), convs.get(d.conversationId()));
              if (conv != null && primary) {
                touched.put(conv.id(), ConversationEdits.withFlags(conv, d.id(), updated.unread(), updated.starred()));
              }
            }
            writeConversations(b, touched, mailbox, next, epoch, now);
            writeCheckpoint(b, mailbox, next, now);
            return writer.write(b).thenApply(x -> b.events());
          });
        });
        });
  }

  /**
   * Publishes expunges and the checkpoint. A message still in another folder gets its new place
   * (message.updated, or message.moved when the other place is a move's first half); a message
   * leaving its last folder goes on the gone list, announced by {@link #finalizeGone} once the
   * account has looked for it elsewhere.
   */
  public CompletableFuture<List<ChangeEvent>> publishExpunges(long epoch, String mailbox, FolderCheckpoint next,
      List<Long> expunged) {
    return queue.submit(() -> expungesNow(epoch, mailbox, next, expunged));
  }

  private CompletableFuture<List<ChangeEvent>> expungesNow(long epoch, String mailbox, FolderCheckpoint next,
      List<Long> expunged) {
    if (expunged.isEmpty()) {
      return writeCheckpointOnly(epoch, mailbox, next);
    }
    String[] uids = expunged.stream().map(u -> Long.toString(u)).toArray(String[]::new);
    return redis.hmget(layout.folderUids(accountId, mailbox), uids).toCompletableFuture()
        .thenCompose(ids -> loadDocuments(ids).thenCompose(docs -> loadConversations(docs.values()).thenCompose(convs -> {
          WriteBatch b = new WriteBatch(layout, accountId, epoch);
          long now = System.currentTimeMillis();
          Map<String, ConversationDocument> touched = new LinkedHashMap<>(convs);
          Map<String, MessageDocument> current = new HashMap<>();
          boolean gone = false;
          for (long uid : expunged) {
            MessageDocument d = docs.get(uid);
            b.hdel(layout.folderUids(accountId, mailbox), Long.toString(uid));
            b.hdel(layout.folderFlags(accountId, mailbox), Long.toString(uid));
            b.hdel(layout.folderFlagVersions(accountId, mailbox), Long.toString(uid));
            if (d == null) {
              continue; // never mirrored (or already gone): nothing to announce
            }
            d = current.getOrDefault(d.id(), d);
            MessageDocument after = placements.remove(b, epoch, now, d, mailbox, uid, touched);
            if (after == null) {
              gone = true;
            } else {
              current.put(d.id(), after);
            }
          }
          for (ConversationDocument c : touched.values()) {
            if (c != convs.get(c.id())) {
              writeConversation(b, c, mailbox, next.uidValidity(), epoch, now);
            }
          }
          writeCheckpoint(b, mailbox, next, now);
          boolean sweep = gone;
          return writer.write(b).thenApply(x -> {
            if (sweep) {
              onGone.run();
            }
            return b.events();
          });
        })));
  }

  /**
   * Announces the messages on the gone list that left before {@code cutoff} (ms) as deleted:
   * message.deleted, and their conversations updated or deleted. Call it once every folder of the
   * account has been checked after {@code cutoff}, so a move's second half had its chance.
   */
  public CompletableFuture<List<ChangeEvent>> finalizeGone(long epoch, long cutoff) {
    return queue.submit(() -> redis.hgetall(layout.gone(accountId)).toCompletableFuture().thenCompose(all -> {
      Map<String, Placements.Gone> due = new LinkedHashMap<>();
      all.forEach((id, json) -> {
        Placements.Gone g = Placements.Gone.read(json);
        if (g.at() <= cutoff) {
          due.put(id, g);
        }
      });
      if (due.isEmpty()) {
        return CompletableFuture.completedFuture(List.<ChangeEvent>of());
      }
      return loadByIds(new ArrayList<>(due.keySet())).thenCompose(docs -> loadConversations(docs.values())
          .thenCompose(convs -> {
            WriteBatch b = new WriteBatch(layout, accountId, epoch);
            long now = System.currentTimeMillis();
            Map<String, ConversationDocument> touched = new LinkedHashMap<>();
            Set<String> emptied = new LinkedHashSet<>();
            for (var e : due.entrySet()) {
              b.hdel(layout.gone(accountId), e.getKey());
              MessageDocument d = docs.get(e.getKey());
              if (d == null) {
                continue;
              }
              Placements.Gone g = e.getValue();
              b.del(layout.message(accountId, d.id()));
              ObjectNode payload = Json.MAPPER.createObjectNode();
              payload.put("id", d.id()).put("conversation_id", d.conversationId()).put("mailbox", g.mailbox())
                  .put("uid", g.uid());
              b.event(new ChangeEvent(EventIds.of(ChangeEvent.MESSAGE_DELETED, accountId, g.mailbox(), g.uidvalidity(),
                  g.uid()), ChangeEvent.MESSAGE_DELETED, accountId, now,
                  new EventPosition(g.mailbox(), g.uidvalidity(), g.uid(), -1), epoch, payload));
              ConversationDocument conv = emptied.contains(d.conversationId()) ? null
                  : touched.getOrDefault(d.conversationId(), convs.get(d.conversationId()));
              if (conv != null) {
                ConversationDocument after = ConversationEdits.without(conv, d.id());
                if (after == null) {
                  touched.remove(conv.id());
                  emptied.add(conv.id());
                } else {
                  touched.put(conv.id(), after);
                }
              }
            }
            for (String convId : emptied) {
              b.del(layout.conversation(accountId, convId));
              b.zrem(layout.conversationIndex(accountId), convId);
              ObjectNode payload = Json.MAPPER.createObjectNode().put("id", convId);
              b.event(new ChangeEvent(EventIds.of(ChangeEvent.CONVERSATION_DELETED, accountId, convId,
                  String.valueOf(new java.util.TreeSet<>(due.keySet()))), ChangeEvent.CONVERSATION_DELETED, accountId, now,
                  new EventPosition(null, -1, -1, -1), epoch, payload));
            }
            for (ConversationDocument c : touched.values()) {
              writeConversation(b, c, null, -1, epoch, now);
            }
            return writer.write(b).thenApply(x -> b.events());
          }));
    }));
  }

  /** Whether messages wait on the gone list (a sweep is due). */
  public CompletableFuture<Boolean> hasGone() {
    return redis.hlen(layout.gone(accountId)).toCompletableFuture().thenApply(n -> n != null && n > 0);
  }

  /**
   * Forgets every mirrored folder that {@code keep} rejects (deleted, renamed or no longer
   * configured): each message it held leaves it (to the gone list, or to its other places), then
   * its checkpoint and maps are deleted. Read and decided inside the account's queue, so a
   * checkpoint write queued before this call (a visit that ended just before the folder went) is
   * seen and forgotten too; {@code keep} is asked at that moment, not when the call was made.
   */
  public CompletableFuture<List<ChangeEvent>> forgetFoldersExcept(long epoch, Predicate<String> keep) {
    return queue.submit(() -> redis.hkeys(layout.folders(accountId)).toCompletableFuture().thenCompose(mirrored -> {
      CompletableFuture<List<ChangeEvent>> chain = CompletableFuture.completedFuture(List.of());
      for (String f : mirrored.stream().sorted().toList()) {
        if (!keep.test(f)) {
          chain = chain.thenCompose(done -> forgetFolderNow(epoch, f).thenApply(events -> {
            List<ChangeEvent> all = new ArrayList<>(done);
            all.addAll(events);
            return all;
          }));
        }
      }
      return chain;
    }));
  }

  private CompletableFuture<List<ChangeEvent>> forgetFolderNow(long epoch, String mailbox) {
    log.info("{}: folder {} is no longer watched (deleted, renamed or unconfigured); forgetting it", accountId, mailbox);
    return redis.hkeys(layout.folderUids(accountId, mailbox)).toCompletableFuture().thenCompose(uids -> {
      List<Long> all = uids.stream().map(Long::parseLong).sorted().toList();
      return expungesNow(epoch, mailbox, new FolderCheckpoint(-1, -1, -1), all).thenCompose(events -> {
        WriteBatch b = new WriteBatch(layout, accountId, epoch);
        b.del(layout.folderState(accountId, mailbox));
        b.del(layout.folderUids(accountId, mailbox));
        b.del(layout.folderFlags(accountId, mailbox));
        b.del(layout.folderFlagVersions(accountId, mailbox));
        b.del(layout.folderResetPending(accountId, mailbox));
        b.hdel(layout.folders(accountId), mailbox);
        return writer.write(b).thenApply(x -> events);
      });
    });
  }

  /**
   * A new UIDVALIDITY: the folder's UIDs mean nothing any more. Announces mailbox.reset, forgets the
   * UID maps, keeps the message documents (their ids are stable, so the rebuild re-links them to the
   * same conversations), and remembers which ids the folder held so {@link #finishReset} can remove
   * those the rebuild does not see again.
   */
  public CompletableFuture<List<ChangeEvent>> startReset(long epoch, String mailbox, long oldUidValidity,
      long newUidValidity) {
    return queue.submit(() -> redis.hvals(layout.folderUids(accountId, mailbox)).toCompletableFuture().thenCompose(ids -> {
      WriteBatch b = new WriteBatch(layout, accountId, epoch);
      long now = System.currentTimeMillis();
      for (String id : ids) {
        b.hset(layout.folderResetPending(accountId, mailbox), id, Long.toString(oldUidValidity));
      }
      b.del(layout.folderUids(accountId, mailbox));
      b.del(layout.folderFlags(accountId, mailbox));
      b.del(layout.folderFlagVersions(accountId, mailbox));
      ObjectNode payload = Json.MAPPER.createObjectNode().put("mailbox", mailbox)
          .put("old_uidvalidity", oldUidValidity).put("new_uidvalidity", newUidValidity);
      b.event(new ChangeEvent(EventIds.of(ChangeEvent.MAILBOX_RESET, accountId, mailbox, oldUidValidity, newUidValidity),
          ChangeEvent.MAILBOX_RESET, accountId, now, new EventPosition(mailbox, newUidValidity, -1, -1), epoch, payload));
      writeCheckpoint(b, mailbox, new FolderCheckpoint(newUidValidity, 1, -1), now);
      return writer.write(b).thenApply(x -> b.events());
    }));
  }

  /**
   * After the rebuild: messages the folder held before the reset and did not show again leave it
   * (to their other places, or to the gone list).
   */
  public CompletableFuture<List<ChangeEvent>> finishReset(long epoch, String mailbox, FolderCheckpoint next) {
    return queue.submit(() -> finishResetNow(epoch, mailbox, next));
  }

  private CompletableFuture<List<ChangeEvent>> finishResetNow(long epoch, String mailbox, FolderCheckpoint next) {
    String pendingKey = layout.folderResetPending(accountId, mailbox);
    return redis.hgetall(pendingKey).toCompletableFuture().thenCompose(pending -> {
      if (pending.isEmpty()) {
        return CompletableFuture.completedFuture(List.<ChangeEvent>of());
      }
      return redis.hvals(layout.folderUids(accountId, mailbox)).toCompletableFuture().thenCompose(current -> {
        Set<String> seenAgain = new java.util.HashSet<>(current);
        List<String> left = pending.keySet().stream().filter(id -> !seenAgain.contains(id)).toList();
        return loadByIds(left).thenCompose(docs -> loadConversations(docs.values()).thenCompose(convs -> {
          WriteBatch b = new WriteBatch(layout, accountId, epoch);
          long now = System.currentTimeMillis();
          Map<String, ConversationDocument> touched = new LinkedHashMap<>(convs);
          boolean gone = false;
          for (MessageDocument d : docs.values()) {
            var old = d.locations().stream()
                .filter(l -> l.mailbox().equals(mailbox) && l.uidvalidity() != next.uidValidity()).findFirst();
            if (old.isEmpty()) {
              continue; // moved elsewhere meanwhile, or re-seen: keep
            }
            gone |= placements.remove(b, epoch, now, d, mailbox, old.get().uid(), touched) == null;
          }
          for (ConversationDocument c : touched.values()) {
            if (c != convs.get(c.id())) {
              writeConversation(b, c, mailbox, next.uidValidity(), epoch, now);
            }
          }
          b.del(pendingKey);
          boolean sweep = gone;
          return writer.write(b).thenApply(x -> {
            if (sweep) {
              onGone.run();
            }
            return b.events();
          });
        }));
      });
    });
  }

  /**
   * Announces the account's connection state (idle, polling, auth_failed, backing_off, throttled,
   * stopped) through the same fenced path; {@code sequence} counts this owner's announcements.
   */
  public CompletableFuture<List<ChangeEvent>> publishState(long epoch, String mailbox, long uidValidity, String state,
      String detail, long sequence) {
    WriteBatch b = new WriteBatch(layout, accountId, epoch);
    ObjectNode payload = Json.MAPPER.createObjectNode().put("state", state).put("mailbox", mailbox);
    payload.put("detail", detail == null ? null : detail.length() > 500 ? detail.substring(0, 500) : detail);
    b.event(new ChangeEvent(EventIds.of(ChangeEvent.ACCOUNT_STATE, accountId, epoch, mailbox, sequence),
        ChangeEvent.ACCOUNT_STATE, accountId, System.currentTimeMillis(), new EventPosition(mailbox, uidValidity, -1, -1),
        epoch, payload));
    return writer.write(b).thenApply(x -> b.events());
  }

  /** A folder seen for the first time: its checkpoint, so it is known (and listed) even while empty. */
  public CompletableFuture<List<ChangeEvent>> saveCheckpoint(long epoch, String mailbox, FolderCheckpoint next) {
    return queue.submit(() -> writeCheckpointOnly(epoch, mailbox, next));
  }

  private CompletableFuture<List<ChangeEvent>> writeCheckpointOnly(long epoch, String mailbox, FolderCheckpoint next) {
    WriteBatch b = new WriteBatch(layout, accountId, epoch);
    writeCheckpoint(b, mailbox, next, System.currentTimeMillis());
    return writer.write(b).thenApply(x -> List.of());
  }

  private void writeCheckpoint(WriteBatch b, String mailbox, FolderCheckpoint next, long now) {
    String state = layout.folderState(accountId, mailbox);
    b.hset(state, "uidvalidity", Long.toString(next.uidValidity()));
    b.hset(state, "uidnext", Long.toString(next.uidNext()));
    b.hset(state, "highestmodseq", Long.toString(next.highestModSeq()));
    b.hset(state, "synced_at", Long.toString(now));
    if (next.uidValidity() > 0) {
      b.hset(layout.folders(accountId), mailbox, Long.toString(next.uidValidity()));
    }
  }

  private void writeConversations(WriteBatch b, Map<String, ConversationDocument> touched, String mailbox,
      FolderCheckpoint next, long epoch, long now) {
    for (ConversationDocument c : touched.values()) {
      writeConversation(b, c, mailbox, next.uidValidity(), epoch, now);
    }
  }

  private void writeConversation(WriteBatch b, ConversationDocument c, String mailbox, long uidValidity, long epoch,
      long now) {
    String json = Json.write(c);
    b.set(layout.conversation(accountId, c.id()), json);
    b.zadd(layout.conversationIndex(accountId), c.updatedAt(), c.id());
    b.event(new ChangeEvent(EventIds.of(ChangeEvent.CONVERSATION_UPDATED, accountId, c.id(), c.version()),
        ChangeEvent.CONVERSATION_UPDATED, accountId, now, new EventPosition(mailbox, uidValidity, -1, -1),
        epoch, Json.raw(json)));
  }

  /** Documents by UID, from an HMGET of the UID map. */
  private CompletableFuture<Map<Long, MessageDocument>> loadDocuments(List<KeyValue<String, String>> uidToId) {
    List<Long> uids = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (KeyValue<String, String> kv : uidToId) {
      if (kv.hasValue()) {
        uids.add(Long.parseLong(kv.getKey()));
        keys.add(layout.message(accountId, kv.getValue()));
      }
    }
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return redis.mget(keys.toArray(String[]::new)).toCompletableFuture().thenApply(values -> {
      Map<Long, MessageDocument> out = new LinkedHashMap<>();
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).hasValue()) {
          out.put(uids.get(i), Json.read(values.get(i).getValue(), MessageDocument.class));
        }
      }
      return out;
    });
  }

  private CompletableFuture<Map<String, MessageDocument>> loadByIds(List<String> ids) {
    return StoredDocuments.read(redis, ids, id -> layout.message(accountId, id), MessageDocument.class);
  }

  private CompletableFuture<Map<String, ConversationDocument>> loadConversations(Iterable<MessageDocument> docs) {
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(
        java.util.stream.StreamSupport.stream(docs.spliterator(), false)
            .map(MessageDocument::conversationId).filter(java.util.Objects::nonNull).toList()));
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return redis.mget(ids.stream().map(id -> layout.conversation(accountId, id)).toArray(String[]::new))
        .toCompletableFuture().thenApply(values -> {
          Map<String, ConversationDocument> out = new HashMap<>();
          for (int i = 0; i < values.size(); i++) {
            if (values.get(i).hasValue()) {
              out.put(ids.get(i), Json.read(values.get(i).getValue(), ConversationDocument.class));
            }
          }
          return out;
        });
  }

  /** Labels count only when the server reported them (Gmail); compared as sets. */
  /** The UIDVALIDITY of the place (mailbox, uid); the primary place's for older documents. */
  private static long uidvalidityOf(MessageDocument d, String mailbox, long uid) {
    for (MessageLocation l : d.locations()) {
      if (l.mailbox().equals(mailbox) && l.uid() == uid) {
        return l.uidvalidity();
      }
    }
    return d.uidvalidity();
  }

  private static boolean labelsChanged(MessageDocument d, FlagChange c) {
    if (c.gmailLabels() == null) {
      return false;
    }
    List<String> before = d.gmailLabels() == null ? List.of() : d.gmailLabels();
    return !new java.util.HashSet<>(before).equals(new java.util.HashSet<>(c.gmailLabels()));
  }

  static boolean sameFlags(List<String> a, List<String> b) {
    return flagSet(a).equals(flagSet(b));
  }

  /** Flags compare case-insensitively (RFC 9051 §2.3.2); a space-separated string or a list. */
  public static java.util.Set<String> flagSet(Iterable<String> flags) {
    java.util.Set<String> s = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String f : flags) {
      if (!f.isEmpty() && !f.equalsIgnoreCase("\\Recent")) {
        s.add(f);
      }
    }
    return s;
  }

}
