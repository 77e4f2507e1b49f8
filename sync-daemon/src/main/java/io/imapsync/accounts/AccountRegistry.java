package io.imapsync.accounts;

import com.fasterxml.jackson.core.type.TypeReference;
import io.imapsync.imap.session.Security;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The account registry in Redis: one hash per account (in the account's slot, beside its data),
 * an index set of ids, and a version counter that daemons poll to pick up changes. App backends
 * may write the same keys themselves (docs/accounts.md), sealing secrets with the same key.
 */
public final class AccountRegistry {
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private final RedisClusterCommands<String, String> redis;
  private final KeyLayout layout;

  public AccountRegistry(RedisClusterCommands<String, String> redis, KeyLayout layout) {
    this.redis = redis;
    this.layout = layout;
  }

  public void put(AccountRecord r) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("id", r.id());
    h.put("host", r.host());
    h.put("port", Integer.toString(r.port()));
    h.put("security", r.security().name());
    h.put("username", r.username());
    h.put("auth", r.auth().name());
    h.put("secret", r.sealedSecret());
    h.put("mailboxes", Json.write(r.mailboxes()));
    h.put("connection_budget", Integer.toString(r.connectionBudget()));
    h.put("initial_sync_days", Integer.toString(r.initialSyncDays()));
    h.put("initial_sync_count", Integer.toString(r.initialSyncCount()));
    h.put("own_addresses", Json.write(r.ownAddresses()));
    h.put("trusted_ca_pem", r.trustedCaPem() == null ? "" : r.trustedCaPem());
    h.put("paused", Boolean.toString(r.paused()));
    h.put("created_at", Long.toString(r.createdAt()));
    h.put("updated_at", Long.toString(r.updatedAt()));
    String key = layout.accountConfig(r.id());
    redis.del(key);
    redis.hset(key, h);
    redis.sadd(layout.accountIndex(), r.id());
    redis.incr(layout.accountIndexVersion());
  }

  public Optional<AccountRecord> get(String id) {
    KeyLayout.checkAccountId(id);
    Map<String, String> h = redis.hgetall(layout.accountConfig(id));
    if (h == null || h.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(parse(id, h));
  }

  /** The ids of every registered account, sorted. */
  public java.util.SortedSet<String> ids() {
    return new TreeSet<>(redis.smembers(layout.accountIndex()));
  }

  /** Every registered account, sorted by id. Unreadable records are reported, not skipped silently. */
  public List<AccountRecord> list() {
    List<AccountRecord> out = new ArrayList<>();
    for (String id : new TreeSet<>(redis.smembers(layout.accountIndex()))) {
      get(id).ifPresent(out::add);
    }
    return out;
  }

  public boolean remove(String id) {
    KeyLayout.checkAccountId(id);
    long removed = redis.del(layout.accountConfig(id));
    redis.srem(layout.accountIndex(), id);
    redis.incr(layout.accountIndexVersion());
    return removed > 0;
  }

  /** Changes whenever any account is added, changed or removed. */
  public long version() {
    String v = redis.get(layout.accountIndexVersion());
    return v == null ? 0 : Long.parseLong(v);
  }

  static AccountRecord parse(String id, Map<String, String> h) {
    try {
      return new AccountRecord(
          id,
          h.get("host"),
          Integer.parseInt(h.getOrDefault("port", "993")),
          Security.valueOf(h.getOrDefault("security", "TLS")),
          h.get("username"),
          AuthKind.valueOf(h.getOrDefault("auth", "PASSWORD")),
          h.get("secret"),
          h.containsKey("mailboxes") ? Json.MAPPER.readValue(h.get("mailboxes"), STRINGS) : List.of(),
          Integer.parseInt(h.getOrDefault("connection_budget", Integer.toString(AccountRecord.DEFAULT_CONNECTION_BUDGET))),
          Integer.parseInt(h.getOrDefault("initial_sync_days", "0")),
          Integer.parseInt(h.getOrDefault("initial_sync_count", Integer.toString(AccountRecord.DEFAULT_INITIAL_SYNC_COUNT))),
          h.containsKey("own_addresses") ? Json.MAPPER.readValue(h.get("own_addresses"), STRINGS) : List.of(),
          h.getOrDefault("trusted_ca_pem", "").isEmpty() ? null : h.get("trusted_ca_pem"),
          Boolean.parseBoolean(h.getOrDefault("paused", "false")),
          Long.parseLong(h.getOrDefault("created_at", "0")),
          Long.parseLong(h.getOrDefault("updated_at", "0")));
    } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("account " + id + ": registry record is invalid: " + e.getMessage(), e);
    }
  }
}
