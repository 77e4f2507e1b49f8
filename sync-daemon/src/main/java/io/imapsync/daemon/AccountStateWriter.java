package io.imapsync.daemon;

import io.imapsync.model.ChangeEvent;
import io.imapsync.publish.KeyLayout;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Publishes each account's sync state where the app and support read it
 * ({@code P:{pN}:a:ID:state}): state, detail (the last error, never a secret), when it changed,
 * and when the account last published a change. Fire and forget: state is advisory.
 */
public final class AccountStateWriter implements SyncListener {
  private final RedisClusterAsyncCommands<String, String> redis;
  private final KeyLayout layout;
  private final SyncListener next;

  public AccountStateWriter(RedisClusterAsyncCommands<String, String> redis, KeyLayout layout, SyncListener next) {
    this.redis = redis;
    this.layout = layout;
    this.next = next;
  }

  @Override
  public void onStateChange(String accountId, WatcherState state, String detail) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("state", state.name().toLowerCase(Locale.ROOT));
    h.put("state_since", Long.toString(System.currentTimeMillis()));
    if (detail != null && (state == WatcherState.BACKING_OFF || state == WatcherState.AUTH_FAILED
        || state == WatcherState.THROTTLED || state == WatcherState.STOPPED)) {
      h.put("last_error", detail.length() > 500 ? detail.substring(0, 500) : detail);
      h.put("last_error_at", Long.toString(System.currentTimeMillis()));
    }
    redis.hset(layout.accountState(accountId), h);
    next.onStateChange(accountId, state, detail);
  }

  @Override
  public void onPublished(String accountId, List<ChangeEvent> events, List<String> streamIds) {
    if (!events.isEmpty()) {
      redis.hset(layout.accountState(accountId), Map.of("last_change_at", Long.toString(System.currentTimeMillis())));
    }
    next.onPublished(accountId, events, streamIds);
  }
}
