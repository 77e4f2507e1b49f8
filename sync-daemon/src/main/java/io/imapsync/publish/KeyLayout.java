package io.imapsync.publish;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Every Redis key the daemon writes (documented in docs/redis-keys.md). All keys of one account,
 * and the event stream of its partition, share one hash tag {@code {pN}} so they live in one
 * Redis Cluster slot: the fenced Lua write path may only touch keys of one slot.
 */
public final class KeyLayout {
  public static final String DEFAULT_PREFIX = "imap-sync";
  public static final int DEFAULT_PARTITIONS = 16;
  private static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9._@+-]{1,128}");

  private final String prefix;
  private final int partitions;

  public KeyLayout(String prefix, int partitions) {
    if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
      throw new IllegalArgumentException("key prefix must be non-empty and free of braces: '" + prefix + "'");
    }
    if (partitions < 1 || partitions > 16384) {
      throw new IllegalArgumentException("partitions must be 1-16384, was " + partitions);
    }
    this.prefix = prefix;
    this.partitions = partitions;
  }

  public static KeyLayout defaults() {
    return new KeyLayout(DEFAULT_PREFIX, DEFAULT_PARTITIONS);
  }

  public String prefix() {
    return prefix;
  }

  public int partitions() {
    return partitions;
  }

  public static void checkAccountId(String accountId) {
    if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
      throw new IllegalArgumentException(
          "account id must be 1-128 characters of A-Z a-z 0-9 . _ @ + -, was '" + accountId + "'");
    }
  }

  /** The partition of an account: stable (FNV-1a 64), independent of the JVM. */
  public int partition(String accountId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : accountId.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return (int) Long.remainderUnsigned(h, partitions);
  }

  private String tag(int partition) {
    return prefix + ":{p" + partition + "}:";
  }

  private String account(String accountId) {
    return tag(partition(accountId)) + "a:" + accountId + ":";
  }

  /** The event stream of one partition. */
  public String stream(int partition) {
    return tag(partition) + "events";
  }

  public String streamOf(String accountId) {
    return stream(partition(accountId));
  }

  /** Pub/sub channel for low-latency wake-ups of a partition's consumers (a hint, never the truth). */
  public String wakeChannel(int partition) {
    return tag(partition) + "wake";
  }

  /** The owner epoch (fencing token) of an account: an integer, incremented on every handoff. */
  /** The wake channels of every partition. */
  public java.util.List<String> wakeChannels() {
    java.util.List<String> all = new java.util.ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      all.add(wakeChannel(p));
    }
    return all;
  }

  public String epoch(String accountId) {
    return account(accountId) + "epoch";
  }

  public String message(String accountId, String messageId) {
    return account(accountId) + "m:" + messageId;
  }

  public String conversation(String accountId, String conversationId) {
    return account(accountId) + "c:" + conversationId;
  }

  /** Sorted set of conversation ids scored by updated_at (ms): the inbox listing. */
  public String conversationIndex(String accountId) {
    return account(accountId) + "convs";
  }

  /**
   * Hash of thread-index names to conversation id: every valid Message-ID a message names (its
   * own, its References or In-Reply-To), {@code ~<message id>} for every message, and server
   * thread keys ({@code #gm:<X-GM-THRID>}, {@code #tid:<THREADID>}).
   */
  public String threadIndex(String accountId) {
    return account(accountId) + "threads";
  }

  /** Hash of Message-ID to the message id that keeps it (the first message seen with it). */
  public String messageIdOwners(String accountId) {
    return account(accountId) + "msgids";
  }

  /**
   * Hash of base-subject key (24 hex digits of SHA-256 of the folded base subject) to a JSON
   * array of the messages with that subject: {@code [{"m":id,"c":conversation,"t":date,"p":[..]}]}.
   */
  public String subjectIndex(String accountId) {
    return account(accountId) + "subjects";
  }

  /** Hash of the folder's checkpoint: uidvalidity, uidnext, highestmodseq, synced_at. */
  public String folderState(String accountId, String mailbox) {
    return account(accountId) + "f:" + encode(mailbox);
  }

  /** Hash of UID to message id for one folder. */
  public String folderUids(String accountId, String mailbox) {
    return account(accountId) + "f:" + encode(mailbox) + ":uids";
  }

  /** Hash of UID to the message's flags (space-separated) for one folder: compared without reading documents. */
  public String folderFlags(String accountId, String mailbox) {
    return account(accountId) + "f:" + encode(mailbox) + ":flags";
  }

  /**
   * Hash of UID to the number of flag changes seen: part of message.updated event ids, so a flag
   * set, cleared and set again gives three distinct events (and a re-emission the same id).
   */
  public String folderFlagVersions(String accountId, String mailbox) {
    return account(accountId) + "f:" + encode(mailbox) + ":flagver";
  }

  /** Set of message ids a folder held before a UIDVALIDITY reset, until the rebuild confirms them. */
  public String folderResetPending(String accountId, String mailbox) {
    return account(accountId) + "f:" + encode(mailbox) + ":reset";
  }

  /**
   * Hash of message id to where it was last ({@code {"mailbox","uidvalidity","uid","at"}}): messages
   * expunged from their last watched folder, held until the account has checked its other folders,
   * so that a move is announced as message.moved and not as a delete and a create.
   */
  public String gone(String accountId) {
    return account(accountId) + "gone";
  }

  /** Hash of every folder mirrored for the account to its UIDVALIDITY: what to clean up when one disappears. */
  public String folders(String accountId) {
    return account(accountId) + "folders";
  }

  /** Stream of support requests (resync) for the accounts of one partition; the owning daemon acts. */
  public String control(int partition) {
    return tag(partition) + "control";
  }

  /** Hash: progress and outcome of one resync request. */
  public String resyncStatus(String accountId, String requestId) {
    return account(accountId) + "resync:" + requestId;
  }

  /** Set of every registered account id (one key: fine up to millions of members). */
  public String accountIndex() {
    return prefix + ":accounts";
  }

  /** Counter incremented on every registry change; daemons poll it to reload. */
  public String accountIndexVersion() {
    return prefix + ":accounts:version";
  }

  /** Hash: the account's registration (docs/accounts.md); the secret sealed. */
  public String accountConfig(String accountId) {
    return account(accountId) + "config";
  }

  /** Hash: the account's sync state for the app and support: state, detail, updated_at, ... */
  public String accountState(String accountId) {
    return account(accountId) + "state";
  }

  /** Stream: every ops and support command (who, when, what, outcome). */
  public String audit() {
    return prefix + ":audit";
  }

  static String encode(String mailbox) {
    return URLEncoder.encode(mailbox, StandardCharsets.UTF_8);
  }
}
