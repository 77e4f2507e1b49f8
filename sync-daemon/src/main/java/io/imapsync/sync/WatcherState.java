package io.imapsync.sync;

/** Where a mailbox watcher is; published for support as the account's connection state. */
public enum WatcherState {
  CONNECTING, SYNCING, IDLE, POLLING, THROTTLED, BACKING_OFF, AUTH_FAILED, STOPPED
}
