package io.imapsync.sync;

import io.imapsync.model.ChangeEvent;
import java.util.List;

/** Observes the sync engine (metrics, the demo's display). Called off the event loop's critical path; must not block. */
public interface SyncListener {
  default void onStateChange(String accountId, WatcherState state, String detail) {}

  default void onPublished(String accountId, List<ChangeEvent> events, List<String> streamIds) {}

  SyncListener NONE = new SyncListener() {};
}
