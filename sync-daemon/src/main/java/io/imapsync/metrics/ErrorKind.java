package io.imapsync.metrics;

import java.util.Locale;

/** Why a watcher's connection ended in failure: the {@code kind} tag of {@code imapsync.errors}. */
public enum ErrorKind {
  /** The IMAP side: connection lost or refused, a timeout, a NO/BAD, a protocol error. */
  SESSION,
  /** A Redis command of the sync step failed (connection lost, timeout, script error). */
  REDIS,
  /** Redis refused a write because another owner claimed the account (the watcher stops). */
  STALE_EPOCH;

  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
