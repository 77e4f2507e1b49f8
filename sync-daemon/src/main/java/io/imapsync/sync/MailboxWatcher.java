package io.imapsync.sync;

import io.imapsync.accounts.AuthKind;
import io.imapsync.conversation.ServerHints;
import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.SequenceSets;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.InternalDates;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapConnectException;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.SaslMechanism;
import io.imapsync.imap.session.SelectOptions;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.metrics.DaemonMetrics;
import io.imapsync.metrics.ErrorKind;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FolderChanges;
import io.imapsync.publish.FolderCheckpoint;
import io.imapsync.publish.StaleEpochException;
import io.imapsync.runtime.Deadlines;
import io.imapsync.runtime.SharedResources;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of an account: it mirrors a home folder and, optionally, a set of polled folders.
 * Connect, log in, select the home folder, catch up from the checkpoint, then wait in IDLE; on
 * EXISTS leave IDLE, fetch the new messages by UID, normalize them on the worker pool, publish them
 * with the new checkpoint, and go back to IDLE. Polled folders are checked with STATUS every
 * {@code statusInterval} (or when NOTIFY pushes a STATUS for one): a folder whose UIDNEXT,
 * HIGHESTMODSEQ, MESSAGES or UIDVALIDITY moved is selected, synced the same way, and the
 * connection returns to its home folder. On any connection loss it backs off and starts over from
 * the checkpoints in Redis, so nothing is lost and nothing doubled.
 *
 * <p>All state is confined to one event loop: every continuation hops back onto it. The fields
 * describing "the folder" (UIDVALIDITY, UIDNEXT, ...) describe the one selected now.
 */
public final class MailboxWatcher implements SessionListener {
  private static final Logger log = LoggerFactory.getLogger(MailboxWatcher.class);
  /** Bodies are fetched in chunks so a large catch-up never holds more than this many messages. */
  static final int FETCH_CHUNK = 50;
  static final String FETCH_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])";
  /** With X-GM-EXT-1 (Gmail) or OBJECTID (RFC 8474): the server's own thread ids decide conversations. */
  static final String GMAIL_THREAD_ITEMS = " X-GM-THRID X-GM-LABELS";
  static final String OBJECTID_THREAD_ITEMS = " THREADID";
  /**
   * With NOTIFY, every polled folder's STATUS is still compared with its checkpoint once per this
   * many status intervals (default 60 s x 5): randomised runs showed notifications that never led
   * to a visit (a change on a folder being left, a folder deleted and created again).
   */
  static final int NOTIFY_SAFETY_NET_INTERVALS = 5;
  private boolean safetyNetDue;
  private boolean resetMayBePending;
  private boolean safetyNetRun;

  /** NOOP interval for servers without a usable IDLE (shorter when IDLE renewal is set shorter). */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(30);

  private final AccountConfig account;
  /** The account this connection belongs to: epoch, folder plan, sweeps. */
  private final AccountSync owner;
  /** Watcher 0 lists the folders for the account's plan. */
  private final boolean discoverer;
  /** The folder this connection idles in (set by the plan before the first SELECT). */
  private String home;
  /** The folder selected now, that the sync state below describes. */
  private String folder;
  /** The folder selected before the SELECT now in flight (its late untagged responses still arrive). */
  private String leaving;
  /** Folders checked with STATUS on this connection (and pushed by NOTIFY when it is on). */
  private List<String> polled = List.of();
  /** Per polled folder: {uidnext, messages, highestmodseq, uidvalidity, last visit (nanoTime)}. */
  private final Map<String, long[]> seenStatus = new HashMap<>();
  /** Polled folders known to have changed (a NOTIFY STATUS push) or to be looked at now. */
  private final java.util.Set<String> due = new java.util.LinkedHashSet<>();
  private boolean notifying;
  /** The folder of the STATUS command in flight: its reply is not a push. */
  private String statusInFlight;
  private boolean checkPending;
  /** A polled folder could not be opened in this cycle: the folder list is out of date. */
  private boolean listStale;
  /** Our own LIST is in flight: its entries are not NOTIFY MailboxName pushes. */
  private boolean listing;
  private List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private List<CompletableFuture<Void>> checking = new ArrayList<>();
  private ScheduledFuture<?> statusTick;
  /** The connection being opened now, so that stop() can wait until it is closed again. */
  private CompletableFuture<ImapSession> opening;
  private final SharedResources resources;
  private final AccountFeed feed;
  private final FolderChanges changes;
  private final SyncListener listener;
  private final MessageNormalizer normalizer;
  private final EventLoop loop;
  private final Duration idleRenewal;
  private final HostGuards.Guard hostGuard;
  private final HostGuards hostGuards;
  private final DaemonMetrics metrics;
  private volatile io.imapsync.imap.session.SessionOptions sessionOptions = io.imapsync.imap.session.SessionOptions.DEFAULTS;
  /** Consecutive failed attempts, for the backoff; reset once a folder is resumed. */
  private int failures;
  /**
   * A reconnect is scheduled: further failures of the connection just closed (its other chains
   * fail one by one) are the same failure, and must not schedule a second connection.
   */
  private boolean reconnectScheduled;
  /** Numbers connection attempts: a chain of an older attempt must not act for the current one. */
  private int attempts;
  private long connectStartedNanos;
  private boolean polling;

  private ImapSession session;
  private long epoch = -1;
  private long uidValidity = -1;
  private long uidNext = 1;
  private long exists;
  /** EXISTS when the last sync finished: the difference tells how many new messages to expect. */
  private long syncedExists = -1;
  /** Highest MODSEQ the mirror covers (-1 without CONDSTORE); written with the changes it covers. */
  private long highestModSeq = -1;
  /** HIGHESTMODSEQ the server reported at SELECT on this connection. */
  private long selectHighestModSeq = -1;
  /** Flags or expunges may have changed: the next pass reconciles the mirrored UIDs. */
  private boolean reconcileNeeded;
  private boolean expungeSeen;
  /** True once this connection's folder is selected and resumed from its checkpoint. */
  private boolean resumed;
  private boolean syncing;
  private boolean dirty;
  private boolean stopped;
  /** Volatile: read off the loop by the account and by the metrics census. */
  private volatile WatcherState state;
  /**
   * When the oldest push not yet answered by a write arrived (nanoTime; 0: none). A primitive on
   * the watcher, not an object: idle connections must stay small.
   */
  private long pushPendingSince;
  /** A first sync or rebuild is filling the folder: old mail, not lag (kept out of the sync lag). */
  private boolean backfill;
  private ScheduledFuture<?> renewal;
  private WatcherState lastAnnounced;
  private long announcements;
  /** Counts of the resync in progress (added, updated, removed), or null. */
  private long[] resyncCounts;
  private java.util.function.Consumer<long[]> resyncProgress;

  public MailboxWatcher(AccountConfig account, SharedResources resources, AccountFeed feed, FolderChanges changes,
      SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this(account, null, true, resources, feed, changes, listener, idleRenewal, hostGuards);
  }

  MailboxWatcher(AccountConfig account, AccountSync owner, boolean discoverer, SharedResources resources,
      AccountFeed feed, FolderChanges changes, SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this.account = account;
    this.owner = owner;
    this.discoverer = discoverer;
    this.home = account.mailboxes().isEmpty() || account.watchesAll() ? "INBOX" : account.mailboxes().get(0);
    this.folder = home;
    this.resources = resources;
    this.feed = feed;
    this.changes = changes;
    this.listener = listener;
    this.metrics = resources.metrics();
    this.normalizer = new MessageNormalizer(NormalizerOptions.forAccount(account.ownAddresses())
        .withWarnings(metrics.parseWarnings()));
    // The account's loop: its sessions, its Redis connection and this watcher's state share a
    // thread, so a push crosses no thread but to be parsed. (The integration tests run everything
    // on one loop, so this is also the ordering they check.)
    this.loop = owner != null ? owner.loop() : resources.eventLoops().next();
    this.idleRenewal = idleRenewal;
    this.hostGuards = hostGuards;
    this.hostGuard = hostGuards.forHost(account.endpoint().host());
  }

  public String accountId() {
    return account.accountId();
  }

  public WatcherState state() {
    return state;
  }

  public void start() {
    loop.execute(this::connect);
  }

  /** Leaves IDLE and logs out; completes when the connection is closed. */
  public CompletableFuture<Void> stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (loop.isShuttingDown()) {
      // The event loops are gone (process shutting down): nothing of this watcher can run or write.
      stopped = true;
      done.complete(null);
      return done;
    }
    loop.execute(() -> {
      stopped = true;
      if (renewal != null) {
        renewal.cancel(false);
      }
      if (statusTick != null) {
        statusTick.cancel(false);
      }
      releaseWaiters();
      setState(WatcherState.STOPPED, null);
      ImapSession s = session;
      // From here no chain of this connection may go on (live() checks the session): a stopped
      // watcher neither writes nor enters IDLE again.
      session = null;
      resumed = false;
      CompletableFuture<Void> current = s == null ? CompletableFuture.completedFuture(null)
          : Deadlines.orTimeout(s.logout(), 5, TimeUnit.SECONDS, loop).handle((v, e) -> null)
              .thenCompose(v -> s.close().toCompletableFuture());
      // Done only when no socket of this watcher is open: also one being opened now (it closes
      // itself when it sees stopped), or one an error closed a moment ago. The next owner's
      // connections count against the same budget.
      CompletableFuture<ImapSession> pending = opening;
      CompletableFuture<Void> other = pending == null ? CompletableFuture.completedFuture(null)
          : pending.handle((o, e) -> o).thenCompose(o -> o == null || o == s ? CompletableFuture.completedFuture(null)
              : o.close().toCompletableFuture());
      Deadlines.orTimeout(CompletableFuture.allOf(current, other), 10, TimeUnit.SECONDS, loop).whenComplete((x, e) -> done.complete(null));
    });
    return done;
  }

  private void connect() {
    if (stopped) {
      return;
    }
    long wait = hostGuard.reserveConnect();
    if (wait < 0) {
      // The host's circuit breaker is open: this provider is failing for everyone; wait it out.
      setState(WatcherState.THROTTLED, account.endpoint().host() + " is failing; circuit open");
      loop.schedule(this::connect, hostGuards.backoffMillis(++failures), TimeUnit.MILLISECONDS);
      return;
    }
    if (wait > 0) {
      setState(WatcherState.THROTTLED, "connection rate limit for " + account.endpoint().host());
      loop.schedule(this::connectWhenDue, wait, TimeUnit.MILLISECONDS);
      return;
    }
    connectWhenDue();
  }

  /** A reserved connect whose time came: it begins once the host's window has room (see HostGuards.Guard#admit). */
  private void connectWhenDue() {
    if (stopped) {
      return;
    }
    long wait = hostGuard.admit();
    if (wait > 0) {
      setState(WatcherState.THROTTLED, "connection rate limit for " + account.endpoint().host());
      loop.schedule(this::connectWhenDue, wait, TimeUnit.MILLISECONDS);
      return;
    }
    connectNow();
  }

  private void connectNow() {
    if (stopped) {
      return;
    }
    reconnectScheduled = false;
    int attempt = ++attempts;
    setState(WatcherState.CONNECTING, account.endpoint().toString());
    resumed = false;
    polling = false;
    exists = 0;
    connectStartedNanos = System.nanoTime();
    CompletableFuture<Long> claimed = owner != null ? owner.epoch()
        : epoch > 0 ? CompletableFuture.completedFuture(epoch) : feed.claimEpoch();
    claimed
        .thenComposeAsync(e -> {
          epoch = e;
          if (stopped) {
            return CompletableFuture.failedFuture(new StaleSessionException()); // stopped while claiming
          }
          hostGuard.connecting();
          opening = ImapSession.connect(resources, loop, account.endpoint(), sessionOptions, this);
          return opening;
        }, loop)
        .thenComposeAsync(s -> {
          if (stopped) {
            // Stopped while connecting: this connection must not outlive the stop (the budget counts it).
            s.close();
            return CompletableFuture.failedFuture(new StaleSessionException());
          }
          session = s;
          hostGuard.connected(connectStartedNanos);
          metrics.imap().connected(account.endpoint().host());
          if (!s.isPreauthenticated()) {
            metrics.imap().loginAttempted(account.endpoint().host());
          }
          return authenticate(s);
        }, loop)
        .thenComposeAsync(v -> enableExtensions(session), loop)
        .thenComposeAsync(v -> discover(session), loop)
        .thenComposeAsync(v -> {
          seenStatus.clear();
          due.addAll(polled); // changes made while we were away
          checkPending = !polled.isEmpty();
          return startNotify(session);
        }, loop)
        .thenComposeAsync(v -> enter(home), loop)
        .whenCompleteAsync((v, e) -> {
          if (attempt != attempts) {
            return; // a newer attempt runs: this one's outcome is not news
          }
          if (e != null) {
            onError(e);
          } else {
            failures = 0;
            scheduleRenewal();
            scheduleStatusTick();
          }
        }, loop);
  }

  /** Selects a folder of this connection, loads its checkpoint and syncs it (IDLE after, if it is home). */
  private CompletableFuture<Void> enter(String name) {
    ImapSession s = session;
    if (s == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    leaving = folder;
    folder = name;
    resumed = false;
    syncedExists = -1;
    return s.select(name, s.hasCapability("CONDSTORE") || s.isEnabled("QRESYNC")
            ? SelectOptions.condStore() : SelectOptions.PLAIN)
        .thenCombineAsync(feed.checkpoint(name), (selected, checkpoint) -> {
          leaving = null;
          return live(s, () -> resume(selected, checkpoint));
        }, loop)
        .thenComposeAsync(f -> f, loop);
  }

  /** Watcher 0 lists the folders; the account turns them into a plan and gives this one its share. */
  private CompletableFuture<Void> discover(ImapSession s) {
    if (owner == null || !discoverer || owner.singleFolder()) {
      return CompletableFuture.completedFuture(null);
    }
    return s.list("*").thenAcceptAsync(entries -> {
      AccountSync.Share share = owner.onFolders(this, entries, s.isEnabled("UTF8=ACCEPT"), s.hasCapability("NOTIFY"));
      if (share != null) {
        applyShare(share);
      }
    }, loop);
  }

  /** The account's plan gives this connection a home folder and polled folders. */
  void share(AccountSync.Share share) {
    loop.execute(() -> applyShare(share));
  }

  private void applyShare(AccountSync.Share share) {
    boolean homeChanged = !share.home().equals(home);
    home = share.home();
    polled = List.copyOf(share.polled());
    notifying = false;
    seenStatus.keySet().retainAll(polled);
    due.retainAll(polled);
    if (homeChanged && session != null && resumed) {
      // A new home: reconnect, cheaper to reason about than switching under a running IDLE.
      onError(new ImapConnectException(account.accountId() + ": folder plan changed; reconnecting", null));
    } else {
      if (!polled.isEmpty()) {
        due.addAll(polled);
        requestCheck();
      }
      if (session != null && resumed) {
        scheduleStatusTick();
      }
    }
  }

  /**
   * RFC 5465 NOTIFY: the server pushes STATUS for the polled folders, so no polling is needed
   * (a STATUS safety net still runs every NOTIFY_SAFETY_NET_INTERVALS status intervals). Refused or
   * absent: STATUS polling.
   */
  private CompletableFuture<Void> startNotify(ImapSession s) {
    notifying = false;
    if (polled.isEmpty() || !s.hasCapability("NOTIFY") || !account.useNotify()) {
      return CompletableFuture.completedFuture(null);
    }
    io.imapsync.imap.protocol.ImapCommand.Builder b = s.command("NOTIFY").sp()
        .raw("SET (SELECTED (MessageNew MessageExpunge FlagChange)) (MAILBOXES (");
    for (int i = 0; i < polled.size(); i++) {
      if (i > 0) {
        b.sp();
      }
      b.mailbox(polled.get(i));
    }
    String events = s.hasCapability("CONDSTORE") || s.isEnabled("QRESYNC")
        ? "MessageNew MessageExpunge FlagChange" : "MessageNew MessageExpunge";
    b.raw(") (" + events + ")) (PERSONAL (MailboxName))");
    return s.execute(b.build()).handleAsync((r, e) -> {
      if (e == null) {
        notifying = true;
      } else if (unwrap(e) instanceof ImapCommandException) {
        log.info("{}: NOTIFY refused ({}); polling with STATUS", account.accountId(), unwrap(e).getMessage());
      } else {
        throw new CompletionException(unwrap(e));
      }
      return null;
    }, loop);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /**
   * QRESYNC when offered (it implies CONDSTORE), else CONDSTORE. QRESYNC counts only if the server
   * confirms it with {@code * ENABLED} (iCloud answers OK without it).
   */
  private CompletableFuture<Void> enableExtensions(ImapSession s) {
    if (s.hasCapability("QRESYNC")) {
      return s.enable("QRESYNC", "CONDSTORE").thenApply(x -> null);
    }
    if (s.hasCapability("CONDSTORE") && s.hasCapability("ENABLE")) {
      return s.enable("CONDSTORE").thenApply(x -> null);
    }
    return CompletableFuture.completedFuture(null);
  }

  /** XOAUTH2 for token accounts; else LOGIN, or AUTHENTICATE PLAIN where the server disabled LOGIN. */
  private CompletableFuture<Void> authenticate(ImapSession s) {
    if (s.isPreauthenticated()) {
      return CompletableFuture.completedFuture(null);
    }
    if (account.auth() == AuthKind.OAUTH2) {
      String token = owner != null ? owner.secret() : account.password();
      CompletableFuture<Void> first = s.authenticate(new SaslMechanism.XOAuth2(account.username(), token));
      if (owner == null || !owner.canRefresh()) {
        return first;
      }
      // Access tokens expire: on a rejection, one refresh and one more try on the same connection.
      return first.exceptionallyComposeAsync(e -> {
        if (!(unwrap(e) instanceof ImapCommandException)) {
          return CompletableFuture.failedFuture(unwrap(e));
        }
        return owner.refreshToken(token).handleAsync((fresh, err) -> {
          if (err != null) {
            log.warn("{}: token refresh failed: {}", account.accountId(), unwrap(err).getMessage());
            return CompletableFuture.<Void>failedFuture(unwrap(e)); // report the server's rejection
          }
          return s.authenticate(new SaslMechanism.XOAuth2(account.username(), fresh));
        }, loop).thenCompose(f -> f);
      }, loop);
    }
    if (s.hasCapability("LOGINDISABLED") && s.hasCapability("AUTH=PLAIN")) {
      return s.authenticate(new SaslMechanism.Plain(null, account.username(), account.password()));
    }
    return s.login(account.username(), account.password());
  }

  /** After SELECT: continue from the checkpoint, or start the folder afresh if UIDVALIDITY changed. */
  private CompletableFuture<Void> resume(SelectedMailbox selected, FolderCheckpoint checkpoint) {
    exists = selected.exists();
    uidValidity = selected.uidValidity();
    selectHighestModSeq = selected.highestModSeq();
    resumed = true;
    setState(WatcherState.SYNCING, null);
    backfill = checkpoint.isNone() || checkpoint.uidValidity() != selected.uidValidity();
    if (!backfill) {
      uidNext = Math.max(1, checkpoint.uidNext());
      highestModSeq = checkpoint.highestModSeq();
      reconcileNeeded = true; // changes made while we were away
      expungeSeen = true;
      resetMayBePending = true;
      return pass();
    }
    highestModSeq = -1;
    if (!checkpoint.isNone()) {
      log.warn("{} {}: UIDVALIDITY changed from {} to {}; rebuilding the folder (message ids stay)",
          account.accountId(), folder, checkpoint.uidValidity(), selected.uidValidity());
      return changes.startReset(epoch, folder, checkpoint.uidValidity(), selected.uidValidity())
          .thenAcceptAsync(events -> listener.onPublished(account.accountId(), events, List.of()), loop)
          .thenComposeAsync(v -> initialStart(), loop)
          .thenComposeAsync(v -> fetchNew(), loop)
          .thenComposeAsync(v -> changes.finishReset(epoch, folder, checkpoint()), loop)
          .thenComposeAsync(events -> {
            published(events);
            return pass();
          }, loop);
    }
    return initialStart()
        .thenComposeAsync(v -> changes.saveCheckpoint(epoch, folder, checkpoint()), loop)
        .thenComposeAsync(v -> pass(), loop);
  }

  /**
   * A rebuild cut short after its start (crash, stop, lost connection): the checkpoint already has
   * the new UIDVALIDITY, so the next resume looks like an ordinary one. Once it has fetched the
   * folder, the messages the old folder held and the new one did not show leave it (nothing to do,
   * one HGETALL, when no rebuild was pending).
   */
  private CompletableFuture<Void> finishInterruptedReset() {
    if (!resetMayBePending) {
      return CompletableFuture.completedFuture(null);
    }
    resetMayBePending = false;
    return changes.finishReset(epoch, folder, checkpoint()).thenAcceptAsync(this::published, loop);
  }

  private FolderCheckpoint checkpoint() {
    return new FolderCheckpoint(uidValidity, uidNext, highestModSeq);
  }

  /** First sync: the newest {@code initialSyncLimit} messages, found by sequence number. */
  private CompletableFuture<Void> initialStart() {
    if (selectHighestModSeq > 0) {
      // Everything fetched from here on is at least as new as SELECT's HIGHESTMODSEQ: later changes
      // are found with CHANGEDSINCE it (without this, the folder would stay on the O(n) comparison).
      highestModSeq = selectHighestModSeq;
    }
    if (exists == 0 || account.initialSyncLimit() == 0) {
      uidNext = 1;
      if (exists > 0) {
        // Skip history entirely: start from the current end of the folder.
        return session.execute(session.command("FETCH").sp().raw(exists + " (UID)").build())
            .thenAccept(r -> r.untagged().stream()
                .filter(u -> u instanceof ImapResponse.Fetch f && f.data().hasUid())
                .mapToLong(u -> ((ImapResponse.Fetch) u).data().uid())
                .max().ifPresent(uid -> uidNext = uid + 1));
      }
      return CompletableFuture.completedFuture(null);
    }
    long from = Math.max(1, exists - account.initialSyncLimit() + 1);
    CompletableFuture<Void> byCount = session.execute(session.command("FETCH").sp().raw(from + ":* (UID)").build())
        .thenAccept(r -> uidNext = r.untagged().stream()
            .filter(u -> u instanceof ImapResponse.Fetch f && f.data().hasUid())
            .mapToLong(u -> ((ImapResponse.Fetch) u).data().uid())
            .min().orElse(1));
    if (account.initialSyncDays() <= 0) {
      return byCount;
    }
    // Also no older than the day limit: SINCE compares INTERNALDATE by day (RFC 9051 §6.4.4).
    String since = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(account.initialSyncDays())
        .format(DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ROOT));
    ImapSession s = session;
    return byCount.thenComposeAsync(v -> s.uidSearch("SINCE " + since), loop).thenAcceptAsync(r -> {
      long first = r.untagged().stream().filter(u -> u instanceof ImapResponse.Search)
          .flatMapToLong(u -> java.util.Arrays.stream(((ImapResponse.Search) u).numbers())).min().orElse(-1);
      if (first < 0) {
        skipToEnd = true; // nothing that recent: start after the newest message
      } else {
        uidNext = Math.max(uidNext, first);
      }
    }, loop).thenComposeAsync(v -> skipToEnd ? skipHistory() : CompletableFuture.completedFuture(null), loop);
  }

  private boolean skipToEnd;

  /** Starts after the folder's newest message: nothing before it is mirrored. */
  private CompletableFuture<Void> skipHistory() {
    skipToEnd = false;
    return session.execute(session.command("FETCH").sp().raw(exists + " (UID)").build())
        .thenAccept(r -> r.untagged().stream()
            .filter(u -> u instanceof ImapResponse.Fetch f && f.data().hasUid())
            .mapToLong(u -> ((ImapResponse.Fetch) u).data().uid())
            .max().ifPresent(uid -> uidNext = uid + 1));
  }

  /**
   * One sync pass: reconcile flags and expunges of mirrored UIDs if something may have changed,
   * fetch and publish new messages, repeat while pushes arrived meanwhile, then enter IDLE.
   */
  private CompletableFuture<Void> pass() {
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    syncing = true;
    dirty = false;
    boolean reconcile = reconcileNeeded;
    boolean expunges = expungeSeen;
    reconcileNeeded = false;
    expungeSeen = false;
    ImapSession s = session;
    boolean full = reconcile && fullCheckDue(folder);
    if (full) {
      lastFullCheck.put(folder, System.nanoTime());
    }
    CompletableFuture<Void> first = reconcile ? reconcile(expunges, full) : CompletableFuture.completedFuture(null);
    return first.thenComposeAsync(v -> live(s, this::fetchNew), loop)
        .thenComposeAsync(v -> live(s, this::finishInterruptedReset), loop).thenComposeAsync(v -> live(s, () -> {
      if (dirty || reconcileNeeded) {
        return pass();
      }
      if (!folder.equals(home)) {
        return CompletableFuture.<Void>completedFuture(null); // a visit: the check cycle goes on
      }
      if (checkPending || !waiting.isEmpty()) {
        return checkFolders(s);
      }
      syncing = false;
      pushPendingSince = 0; // whatever was pushed is mirrored; a push that changed nothing measures nothing
      backfill = false; // caught up: from here on, new mail is new
      releaseCheckers();
      return enterIdle();
    }), loop);
  }

  /**
   * Runs the next step only if the session it started on is still ours: a chain begun on a
   * connection that has since failed must not publish alongside the new connection's chain.
   */
  private <T> CompletableFuture<T> live(ImapSession startedOn, java.util.function.Supplier<CompletableFuture<T>> step) {
    if (stopped || session != startedOn || session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    return step.get();
  }

  /**
   * Every {@link #FULL_CHECK_RENEWALS} IDLE renewals a folder's reconcile compares every UID and
   * flag instead of asking only for what changed: a self-check that repairs whatever an
   * incremental path missed (a server that forgot an expunge's MODSEQ, a race we did not foresee),
   * and says so in the log.
   */
  static final int FULL_CHECK_RENEWALS = 8;
  private final Map<String, Long> lastFullCheck = new HashMap<>();
  private final long createdNanos = System.nanoTime();

  private boolean fullCheckDue(String name) {
    return System.nanoTime() - lastFullCheck.getOrDefault(name, createdNanos)
        >= idleRenewal.toNanos() * FULL_CHECK_RENEWALS;
  }

  /** With {@code compareAll} (support's recheck), also fetches UIDs the mirror lacks below uidnext. */
  private CompletableFuture<Void> reconcile(boolean checkExpunges, boolean compareAll) {
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    return FolderReconciler.run(session, changes, epoch, folder, uidValidity, uidNext, highestModSeq,
        selectHighestModSeq, checkExpunges, compareAll).thenComposeAsync(r -> {
          highestModSeq = Math.max(highestModSeq, r.highestModSeq());
          if (compareAll && resyncCounts == null && session != null && session.hasCapability("CONDSTORE")
              && (r.flagChanges() > 0 || r.expunges() > 0 || !r.missing().isEmpty())) {
            log.warn("{} {}: self-check repaired the mirror: {} flag change(s), {} expunge(s), {} missing message(s)",
                account.accountId(), folder, r.flagChanges(), r.expunges(), r.missing().size());
          }
          if (!r.events().isEmpty()) {
            published(r.events());
          }
          if (!r.missing().isEmpty()) {
            log.warn("{} {}: {} message(s) below the checkpoint were missing from the mirror; fetching them",
                account.accountId(), folder, r.missing().size());
            return fetchChunks(r.missing(), 0);
          }
          return CompletableFuture.completedFuture(null);
        }, loop);
  }

  /**
   * Fetches and publishes everything from uidNext on. When only a few messages are new (the
   * common push case) their bodies are fetched at once, saving a round trip; after a long absence
   * the UIDs are listed first and bodies fetched in bounded chunks.
   */
  private CompletableFuture<Void> fetchNew() {
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    long expected = syncedExists < 0 ? Long.MAX_VALUE : exists - syncedExists;
    long observedExists = exists;
    CompletableFuture<Void> fetched = expected > 0 && expected <= FETCH_CHUNK
        ? fetchDirect()
        : session.uidFetch(uidNext + ":*", "(UID)", uidNext)
            .thenComposeAsync(list -> fetchNewestFirst(list.stream().map(FetchData::uid).sorted().toList()), loop);
    return fetched.thenRunAsync(() -> {
      if (directFetchShort) {
        directFetchShort = false;
        syncedExists = -1; // the next fetch lists what is new instead of trusting the count
        dirty = true;
      } else {
        syncedExists = observedExists;
      }
    }, loop);
  }

  /** A direct fetch saw a newer message it did not get the body of: the pass goes round for it. */
  private boolean directFetchShort;

  /**
   * The new messages' bodies in one command. Only the UIDs whose bodies came move the checkpoint:
   * a message that arrived while the command ran can show up as an unsolicited FETCH of its flags
   * (another client flagged it) without a body, and a checkpoint moved past it would skip it until
   * the periodic self-check (a message missing for half an hour, or announced deleted when it was
   * moved here).
   */
  private CompletableFuture<Void> fetchDirect() {
    return session.uidFetch(uidNext + ":*", fetchItems(), uidNext).thenComposeAsync(fetched -> {
      long newestWithBody = -1;
      for (FetchData f : fetched) {
        if (f.wholeMessage() != null) {
          newestWithBody = Math.max(newestWithBody, f.uid());
        }
      }
      for (FetchData f : fetched) {
        if (f.wholeMessage() == null && f.uid() > newestWithBody) {
          directFetchShort = true;
          log.debug("{} {}: UID {} announced without its body during the fetch; fetching it next",
              account.accountId(), folder, f.uid());
          break;
        }
      }
      return newestWithBody < 0 ? CompletableFuture.<Void>completedFuture(null) : publish(fetched, newestWithBody);
    }, loop);
  }

  /**
   * A backlog (first sync, or a long absence) newest first, in chunks: the inbox shows recent mail
   * first. The checkpoint's UIDNEXT stays where it was until the oldest chunk is in, so a crash
   * resumes the window where it stood: mirrored UIDs are skipped, the rest fetched.
   */
  private CompletableFuture<Void> fetchNewestFirst(List<Long> uids) {
    if (uids.size() <= FETCH_CHUNK) {
      return fetchChunks(uids, 0);
    }
    int chunks = (uids.size() + FETCH_CHUNK - 1) / FETCH_CHUNK;
    return fetchChunkDescending(uids, chunks - 1, uids.get(uids.size() - 1), fetchChunk(uids, chunks - 1));
  }

  /**
   * Two chunks in flight: the next one is fetched while this one is normalized and written, so
   * the server, the worker pool and Redis work side by side (a strict fetch-then-write loop left
   * each idle two thirds of the time). Writes stay in order; memory stays at two chunks.
   */
  private CompletableFuture<Void> fetchChunkDescending(List<Long> uids, int chunk, long maxUid,
      CompletableFuture<List<FetchData>> thisChunk) {
    // Only the oldest chunk moves UIDNEXT (to past the newest message of the whole backlog).
    long advanceTo = chunk == 0 ? maxUid : uidNext - 1;
    return thisChunk.thenComposeAsync(fetched -> {
      CompletableFuture<List<FetchData>> following = chunk > 0 ? fetchChunk(uids, chunk - 1) : null;
      return publish(fetched, advanceTo).thenComposeAsync(v -> following == null ? CompletableFuture.<Void>completedFuture(null)
          : fetchChunkDescending(uids, chunk - 1, maxUid, following), loop);
    }, loop);
  }

  private CompletableFuture<List<FetchData>> fetchChunk(List<Long> uids, int chunk) {
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    List<Long> part = uids.subList(chunk * FETCH_CHUNK, Math.min(uids.size(), (chunk + 1) * FETCH_CHUNK));
    return session.uidFetch(SequenceSets.compress(part), fetchItems(), part.get(0));
  }

  private CompletableFuture<Void> fetchChunks(List<Long> uids, int from) {
    if (from >= uids.size()) {
      return CompletableFuture.completedFuture(null);
    }
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    List<Long> chunk = uids.subList(from, Math.min(uids.size(), from + FETCH_CHUNK));
    String set = SequenceSets.compress(chunk);
    long first = chunk.get(0);
    return session.uidFetch(set, fetchItems(), first)
        .thenComposeAsync(fetched -> publish(fetched, chunk.get(chunk.size() - 1)), loop)
        .thenComposeAsync(v -> fetchChunks(uids, from + FETCH_CHUNK), loop);
  }

  private String fetchItems() {
    String extra = (session.hasCapability("X-GM-EXT-1") ? GMAIL_THREAD_ITEMS : "")
        + (session.hasCapability("OBJECTID") ? OBJECTID_THREAD_ITEMS : "");
    return extra.isEmpty() ? FETCH_ITEMS : FETCH_ITEMS.substring(0, FETCH_ITEMS.length() - 1) + extra + ")";
  }

  /** Normalizes on the worker pool, then writes messages and the checkpoint (uidnext = maxUid + 1) atomically. */
  private CompletableFuture<Void> publish(List<FetchData> fetched, long maxUid) {
    ImapSession s = session;
    Map<Long, ServerHints> hints = new HashMap<>();
    for (FetchData f : fetched) {
      ServerHints h = ServerHints.of(f.gmailThreadId(), f.threadId(), f.gmailLabels());
      if (h != ServerHints.NONE) {
        hints.put(f.uid(), h);
      }
    }
    return CompletableFuture.supplyAsync(() -> normalize(fetched), resources.workers())
        .thenComposeAsync(messages -> {
          if (session != s || s == null) {
            return CompletableFuture.failedFuture(new StaleSessionException());
          }
          // Re-fetched old UIDs (a recheck) never move the checkpoint back.
          long nextUid = Math.max(uidNext, maxUid + 1);
          FolderCheckpoint next = new FolderCheckpoint(uidValidity, nextUid, highestModSeq);
          return feed.publishNew(epoch, folder, next, messages, hints).thenAcceptAsync(events -> {
            uidNext = nextUid;
            if (!backfill && resyncCounts == null && !events.isEmpty()) {
              recordLag(messages);
            }
            published(events);
          }, loop);
        }, loop);
  }

  /** Sync lag: how old the newest message of an acknowledged batch is (by INTERNALDATE). */
  private void recordLag(List<MessageDocument> messages) {
    long newest = -1;
    for (MessageDocument m : messages) {
      newest = Math.max(newest, m.receivedAt());
    }
    if (newest > 0) {
      metrics.push().newestMessageAge(System.currentTimeMillis() - newest);
    }
  }

  private List<MessageDocument> normalize(List<FetchData> fetched) {
    // An unsolicited FETCH (flags changed by another client) may carry the same UID without a
    // body: keep, per UID, the response that has the body.
    java.util.TreeMap<Long, FetchData> byUid = new java.util.TreeMap<>();
    for (FetchData f : fetched) {
      FetchData seen = byUid.get(f.uid());
      if (seen == null || (seen.wholeMessage() == null && f.wholeMessage() != null)) {
        byUid.put(f.uid(), f);
      }
    }
    List<MessageDocument> out = new ArrayList<>(byUid.size());
    for (FetchData f : byUid.values()) {
      byte[] content = f.wholeMessage();
      if (content == null) {
        // Expunged between listing and fetching: nothing to mirror; the next reconcile agrees.
        log.debug("{} {}: UID {} came without its body (expunged meanwhile)", account.accountId(), folder, f.uid());
        continue;
      }
      out.add(normalizer.normalize(new RawMessage(account.accountId(), folder, uidValidity,
          f.uid(), f.flags(), internalDate(f.internalDate()), f.size(), content, f.emailId(),
          f.gmailMessageId(), f.gmailLabels())));
    }
    return out;
  }

  private static long internalDate(String s) {
    return InternalDates.toEpochMillis(s);
  }

  /**
   * Asks for a check of every folder of this connection: a pass on the home folder and a STATUS of
   * each polled one. Completes once a check that began after this call has finished (the account's
   * sweep waits for it before it announces deletions).
   */
  CompletableFuture<Void> checkNow() {
    return checkNow(false);
  }

  /** With {@code rediscover}, watcher 0 also lists the folders again (a new one may hold a moved message). */
  CompletableFuture<Void> checkNow(boolean rediscover) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      if (rediscover) {
        lastDiscovery = 0;
      }
      if (stopped) {
        done.completeExceptionally(new java.util.concurrent.CancellationException("connection stopped"));
        return;
      }
      waiting.add(done);
      due.addAll(polled);
      requestCheck();
    });
    return done;
  }

  /**
   * A change reported on the selected mailbox while a polled folder is visited (or being left: its
   * late responses arrive after the next SELECT was sent) belongs to that folder, not to the one
   * the watcher returns to; NOTIFY reports a selected mailbox's changes this way and not as STATUS.
   * The folder is visited again, or the change waits for the self-check (a randomised run lost an
   * expunge so).
   */
  private void changedWhileVisiting() {
    for (String f : new String[] {folder, leaving}) {
      if (f != null && !f.equals(home) && polled.contains(f)) {
        due.add(f);
        requestCheck();
      }
    }
  }

  private void requestCheck() {
    checkPending = true;
    if (session != null && resumed && folder.equals(home)) {
      triggerSync();
    }
  }

  /** The waiters registered before the cycle that just reached IDLE are served. */
  private void releaseCheckers() {
    if (listStale) {
      // A folder vanished under the cycle (renamed or deleted): what it checked proves nothing
      // about where a message went. The waiters fail (the sweep retries) and the folders are listed again.
      listStale = false;
      java.util.concurrent.CancellationException why = new java.util.concurrent.CancellationException("folder list changed");
      checking.forEach(f -> f.completeExceptionally(why));
      checking = new ArrayList<>();
      if (owner != null) {
        owner.folderListChanged();
      }
      return;
    }
    if (!checking.isEmpty()) {
      checking.forEach(f -> f.complete(null));
      checking = new ArrayList<>();
    }
  }

  /** Stopping: the folders were not checked, so nobody may conclude anything from it. */
  private void releaseWaiters() {
    java.util.concurrent.CancellationException why = new java.util.concurrent.CancellationException("connection stopped");
    checking.forEach(f -> f.completeExceptionally(why));
    waiting.forEach(f -> f.completeExceptionally(why));
    checking = new ArrayList<>();
    waiting = new ArrayList<>();
  }

  /**
   * STATUS of every polled folder (unless NOTIFY already said which changed), then a visit to each
   * that moved: SELECT, the same pass as the home folder, and back home.
   */
  private CompletableFuture<Void> checkFolders(ImapSession s) {
    checkPending = false;
    checking.addAll(waiting);
    waiting = new ArrayList<>();
    List<String> targets = new ArrayList<>(polled);
    boolean condstore = s.hasCapability("CONDSTORE") || s.isEnabled("QRESYNC");
    CompletableFuture<List<String>> changed;
    if (notifying && !safetyNetDue) {
      // NOTIFY pushes every change: visit what it named (and what we were asked to look at).
      List<String> visit = new ArrayList<>(due);
      due.clear();
      changed = CompletableFuture.completedFuture(visit);
    } else {
      // Polling, or NOTIFY's safety net: STATUS of every polled folder against its checkpoint
      // (a change whose notification was lost shows as a higher HIGHESTMODSEQ or UIDNEXT).
      safetyNetRun = notifying;
      safetyNetDue = false;
      changed = statusAll(s, targets, condstore, new ArrayList<>(), 0);
    }
    CompletableFuture<Void> rediscovered = discovererDue() ? rediscover(s) : CompletableFuture.completedFuture(null);
    return rediscovered.thenComposeAsync(v -> changed, loop)
        .thenComposeAsync(list -> visitAll(s, list, 0), loop)
        .thenComposeAsync(visited -> live(s, () -> {
          if (visited) {
            return enter(home); // back home: a fresh SELECT, and the pass that ends in IDLE
          }
          return pass();
        }), loop);
  }

  private long lastDiscovery = System.nanoTime();

  private boolean discovererDue() {
    return discoverer && owner != null && !owner.singleFolder() && System.nanoTime() - lastDiscovery >= owner.statusInterval().toNanos();
  }

  /** Folders created, deleted or renamed since the plan was made: the account re-plans. */
  private CompletableFuture<Void> rediscover(ImapSession s) {
    lastDiscovery = System.nanoTime();
    listing = true;
    return s.list("*").whenCompleteAsync((r, e) -> listing = false, loop).thenAcceptAsync(entries -> {
      AccountSync.Share share = owner.onFolders(this, entries, s.isEnabled("UTF8=ACCEPT"), s.hasCapability("NOTIFY"));
      if (share != null) {
        applyShare(share);
      }
    }, loop);
  }

  private CompletableFuture<List<String>> statusAll(ImapSession s, List<String> targets, boolean condstore,
      List<String> changed, int i) {
    if (i >= targets.size()) {
      due.clear();
      return CompletableFuture.completedFuture(changed);
    }
    String f = targets.get(i);
    statusInFlight = f;
    String items = "UIDNEXT MESSAGES UIDVALIDITY" + (condstore ? " HIGHESTMODSEQ" : "");
    return s.status(f, items).thenCombineAsync(feed.checkpoint(f), (st, cp) -> {
      statusInFlight = null;
      long[] now = {st.attributes().getOrDefault("UIDNEXT", -1L), st.attributes().getOrDefault("MESSAGES", -1L),
          st.attributes().getOrDefault("HIGHESTMODSEQ", -1L), st.attributes().getOrDefault("UIDVALIDITY", -1L), 0};
      long[] before = seenStatus.get(f);
      boolean stale = before == null || System.nanoTime() - before[4] >= idleRenewal.toNanos();
      boolean selfCheck = fullCheckDue(f);
      boolean moved = cp.isNone() || now[3] != cp.uidValidity() || now[0] > cp.uidNext()
          || (now[2] > 0 && now[2] > cp.highestModSeq()) || before == null || now[1] != before[1];
      // Without CONDSTORE flag changes leave no trace in STATUS: look every renewal interval.
      if (moved || due.contains(f) || (!condstore && stale) || selfCheck) {
        if (safetyNetRun && moved && !due.contains(f)) {
          log.info("{}: {} changed without a NOTIFY event saying so; the safety net visits it", account.accountId(), f);
        }
        changed.add(f);
      } else {
        now[4] = before[4];
        seenStatus.put(f, now);
      }
      return changed;
    }, loop).exceptionallyCompose(e -> {
      statusInFlight = null;
      Throwable c = unwrap(e);
      if (c instanceof ImapCommandException) {
        // Deleted or renamed under us: the next LIST re-plans; mirror nothing from it now.
        log.info("{}: STATUS {} failed ({}); re-reading the folder list", account.accountId(), f, c.getMessage());
        lastDiscovery = 0;
        listStale = true;
        return CompletableFuture.completedFuture(changed);
      }
      return CompletableFuture.failedFuture(c);
    }).thenComposeAsync(list -> live(s, () -> statusAll(s, targets, condstore, list, i + 1)), loop);
  }

  /** Visits the folders in turn; true if any was selected (so home must be selected again). */
  private CompletableFuture<Boolean> visitAll(ImapSession s, List<String> targets, int i) {
    if (i >= targets.size()) {
      return CompletableFuture.completedFuture(i > 0);
    }
    String f = targets.get(i);
    if (!polled.contains(f)) {
      return visitAll(s, targets, i + 1);
    }
    return live(s, () -> enter(f)).thenApplyAsync(v -> {
      seenStatus.put(f, new long[] {uidNext, exists, highestModSeq, uidValidity, System.nanoTime()});
      return v;
    }, loop).exceptionallyCompose(e -> {
      Throwable c = unwrap(e);
      if (c instanceof ImapCommandException ce && ce.command().equals("SELECT")) {
        log.info("{}: cannot select {} ({}); re-reading the folder list", account.accountId(), f, c.getMessage());
        lastDiscovery = 0;
        listStale = true;
        return CompletableFuture.completedFuture(null);
      }
      return CompletableFuture.failedFuture(c);
    }).thenComposeAsync(v -> visitAll(s, targets, i + 1).thenApply(any -> true), loop);
  }

  /** Arms the periodic STATUS check (and LIST, for watcher 0). */
  private void scheduleStatusTick() {
    if (statusTick != null) {
      statusTick.cancel(false);
      statusTick = null;
    }
    if (owner == null || (polled.isEmpty() && (!discoverer || owner.singleFolder()))) {
      return;
    }
    Duration every = notifying ? owner.statusInterval().multipliedBy(NOTIFY_SAFETY_NET_INTERVALS) : owner.statusInterval();
    if (polled.isEmpty()) {
      every = owner.statusInterval();
    }
    long ms = every.toMillis();
    statusTick = loop.scheduleAtFixedRate(() -> {
      if (session != null && resumed && !stopped) {
        safetyNetDue = notifying;
        requestCheck();
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** IDLE, or NOOP polling where the server lacks IDLE or refuses it. */
  private CompletableFuture<Void> enterIdle() {
    if (stopped) {
      return CompletableFuture.completedFuture(null);
    }
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    if (polling || !session.hasCapability("IDLE")) {
      return startPolling("server does not offer IDLE");
    }
    return session.idle().handleAsync((v, e) -> {
      if (e == null) {
        setState(WatcherState.IDLE, null);
        return CompletableFuture.<Void>completedFuture(null);
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ImapCommandException) {
        return startPolling("server refused IDLE: " + cause.getMessage());
      }
      return CompletableFuture.<Void>failedFuture(cause);
    }, loop).thenCompose(f -> f);
  }

  /** Polls with NOOP: new messages arrive as EXISTS in its response and trigger a sync. */
  private CompletableFuture<Void> startPolling(String why) {
    if (!polling) {
      polling = true;
      log.info("{} {}: polling with NOOP every {} ms ({})", account.accountId(), folder,
          pollInterval().toMillis(), why);
      ImapSession polled = session;
      loop.schedule(() -> poll(polled), pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }
    setState(WatcherState.POLLING, why);
    return CompletableFuture.completedFuture(null);
  }

  private Duration pollInterval() {
    return idleRenewal.compareTo(POLL_INTERVAL) < 0 ? idleRenewal : POLL_INTERVAL;
  }

  private void poll(ImapSession polled) {
    if (stopped || polled != session || !polling) {
      return;
    }
    polled.noop().whenCompleteAsync((r, e) -> {
      if (e != null) {
        if (polled == session) {
          onError(e);
        }
      } else {
        loop.schedule(() -> poll(polled), pollInterval().toMillis(), TimeUnit.MILLISECONDS);
      }
    }, loop);
  }

  @Override
  public void onUntagged(ImapSession s, ImapResponse response) {
    // Runs on the session's event loop, which may differ from ours: the arrival is stamped here.
    long arrived = System.nanoTime();
    loop.execute(() -> {
      if (s != session) {
        return;
      }
      switch (response) {
        case ImapResponse.Exists e -> {
          boolean grew = e.count() > exists;
          exists = e.count();
          // Before resume() the checkpoint is not loaded yet (EXISTS also comes with SELECT).
          if (grew && resumed) {
            pushed(arrived);
            triggerSync();
          }
          if (grew && resumed) {
            changedWhileVisiting(); // not SELECT's own EXISTS (that would visit for ever)
          }
        }
        case ImapResponse.Expunge x -> {
          exists = Math.max(0, exists - 1);
          syncedExists = Math.max(0, syncedExists - 1);
          if (resumed) {
            pushed(arrived);
            reconcileNeeded = true;
            expungeSeen = true;
            triggerSync();
          }
          changedWhileVisiting();
        }
        case ImapResponse.Vanished v when !v.earlier() -> {
          exists = Math.max(0, exists - v.uids().size());
          syncedExists = Math.max(0, syncedExists - v.uids().size());
          if (resumed) {
            pushed(arrived);
            reconcileNeeded = true;
            triggerSync();
          }
          changedWhileVisiting();
        }
        case ImapResponse.Status st when resumed && st.code() instanceof io.imapsync.imap.protocol.ResponseCode.UidValidity v
            && v.value() != uidValidity -> onError(new ImapConnectException(folder
                + " announced a new UIDVALIDITY " + v.value() + "; resuming from the checkpoint", null));
        case ImapResponse.MailboxStatus st -> {
          String name = decodeName(st.mailbox());
          if (!name.equals(statusInFlight) && polled.contains(name)) {
            pushed(arrived);
            due.add(name); // NOTIFY: a polled folder changed
            requestCheck();
          }
        }
        case ImapResponse.ListEntry l when notifying && !listing -> {
          lastDiscovery = 0; // NOTIFY MailboxName: a folder was created, deleted or renamed
          String name = decodeName(l.mailbox());
          if (polled.contains(name)) {
            // Deleted and created again under the same name: the plan does not change, so only a
            // visit sees the new UIDVALIDITY (and resets the folder).
            due.add(name);
          }
          requestCheck();
        }
        case ImapResponse.Status st when st.code() instanceof io.imapsync.imap.protocol.ResponseCode.NotificationOverflow -> {
          // The server stopped notifying: look at everything, and ask for notifications again.
          log.warn("{}: NOTIFICATIONOVERFLOW; checking every folder", account.accountId());
          due.addAll(polled);
          onError(new ImapConnectException(account.accountId() + ": NOTIFICATIONOVERFLOW; resyncing", null));
        }
        case ImapResponse.Fetch f when f.data().flags() != null && !syncing -> {
          // An unsolicited FLAGS change (another client). Our own fetches arrive while syncing.
          if (resumed) {
            pushed(arrived);
            reconcileNeeded = true;
            triggerSync();
          }
          changedWhileVisiting();
        }
        default -> { }
      }
    });
  }

  /**
   * A push that makes us sync: the push latency runs from its arrival to the first acknowledged
   * write with events after it. Pushes arriving before that write are folded into one sample.
   */
  private void pushed(long arrived) {
    if (pushPendingSince == 0) {
      pushPendingSince = arrived;
    }
  }

  private String decodeName(String raw) {
    ImapSession s = session;
    if (s != null && s.isEnabled("UTF8=ACCEPT")) {
      return raw;
    }
    String n = io.imapsync.imap.protocol.ModifiedUtf7.decode(raw);
    return n.equalsIgnoreCase("INBOX") ? "INBOX" : n;
  }

  private void triggerSync() {
    if (syncing) {
      dirty = true;
      return;
    }
    ImapSession s = session;
    pass().whenCompleteAsync((v, e) -> {
      if (e != null && s == session) {
        onError(e);
      }
    }, loop);
  }

  /** Re-issues IDLE periodically: servers and middleboxes drop an IDLE left alone too long. */
  private void scheduleRenewal() {
    if (renewal != null) {
      renewal.cancel(false);
    }
    renewal = loop.scheduleAtFixedRate(() -> {
      if (session != null && resumed && !syncing) {
        // Leaving and re-entering IDLE renews it. Selecting again notices a folder deleted and
        // recreated under us (a new UIDVALIDITY: servers need not say so to an idle session); the
        // reconcile catches flag changes that servers without CONDSTORE never push (GreenMail).
        ImapSession s = session;
        syncing = true;
        s.select(folder, s.hasCapability("CONDSTORE") || s.isEnabled("QRESYNC")
                ? SelectOptions.condStore() : SelectOptions.PLAIN)
            .whenCompleteAsync((selected, e) -> {
              syncing = false;
              if (s != session) {
                return;
              }
              if (e != null) {
                onError(e);
              } else if (selected.uidValidity() != uidValidity) {
                onError(new ImapConnectException(folder + " has a new UIDVALIDITY "
                    + selected.uidValidity() + " (was " + uidValidity + "); resuming from the checkpoint", null));
              } else {
                exists = selected.exists();
                selectHighestModSeq = selected.highestModSeq();
                reconcileNeeded = true;
                expungeSeen = !s.hasCapability("CONDSTORE");
                triggerSync();
              }
            }, loop);
      }
    }, idleRenewal.toMillis(), idleRenewal.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onClosed(ImapSession s, Throwable cause) {
    loop.execute(() -> {
      if (s == session && !stopped) {
        onError(cause != null ? cause : new io.imapsync.imap.session.ImapConnectException(
            account.endpoint() + " closed the connection", null));
      }
    });
  }

  private void onError(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (stopped || cause instanceof StaleSessionException) {
      return; // a chain of a connection already replaced: its failure is not news
    }
    if (reconnectScheduled && !(cause instanceof StaleEpochException)) {
      log.debug("{} {}: also failed: {}", account.accountId(), folder, cause.toString());
      return;
    }
    if (renewal != null) {
      renewal.cancel(false);
    }
    polling = false;
    ImapSession old = session;
    session = null;
    syncedExists = -1;
    resumed = false;
    syncing = false;
    // The next connection opens only once this one is closed (the budget counts both otherwise).
    CompletionStage<Void> closed = old != null ? old.close() : CompletableFuture.completedFuture(null);
    pushPendingSince = 0;
    countFailure(cause, old);
    if (cause instanceof StaleEpochException) {
      log.warn("{}: another owner took the account over; stopping ({})", account.accountId(), cause.getMessage());
      stopped = true;
      setState(WatcherState.STOPPED, cause.getMessage());
      return;
    }
    if (isAuthFailure(cause)) {
      setState(WatcherState.AUTH_FAILED, cause.getMessage());
    } else if (old == null && !(cause instanceof StaleEpochException)) {
      hostGuard.failed(connectStartedNanos, cause); // never got a session: the host's fault
    }
    long delay = hostGuards.backoffMillis(++failures);
    if (cause instanceof RuntimeException && !(cause instanceof ImapCommandException
        || cause instanceof io.imapsync.imap.session.ImapConnectException
        || cause instanceof io.imapsync.imap.session.ImapTimeoutException
        || cause instanceof io.netty.handler.codec.DecoderException
        || cause instanceof io.lettuce.core.RedisException)) {
      log.error("{} {}: unexpected failure; reconnecting in {} ms", account.accountId(), folder, delay, cause);
    } else {
      log.warn("{} {}: {}; reconnecting in {} ms", account.accountId(), folder, cause.toString(), delay);
    }
    if (state != WatcherState.AUTH_FAILED) {
      setState(WatcherState.BACKING_OFF, cause.getMessage());
    }
    reconnectScheduled = true;
    closed.whenComplete((v, x) -> loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS));
  }

  /** One failure, counted once: by its cause, a rejected login, or a connect that never got a session. */
  private void countFailure(Throwable cause, ImapSession old) {
    if (cause instanceof StaleEpochException) {
      metrics.error(ErrorKind.STALE_EPOCH);
    } else if (cause instanceof io.lettuce.core.RedisException) {
      metrics.error(ErrorKind.REDIS);
    } else if (isAuthFailure(cause)) {
      metrics.imap().loginFailed(account.endpoint().host());
    } else {
      metrics.error(ErrorKind.SESSION);
      if (old == null) {
        metrics.imap().connectFailed(account.endpoint().host());
      }
    }
  }

  private static boolean isAuthFailure(Throwable cause) {
    return cause instanceof ImapCommandException ce
        && (ce.command().equals("LOGIN") || ce.command().equals("AUTHENTICATE"));
  }

  /**
   * Puts settled states in the feed as account.state events (the app shows "reconnecting" or
   * "password rejected" from them); passing states (connecting, syncing) and repeats are not sent.
   */
  private void announce(WatcherState s, String detail) {
    if (epoch <= 0 || s == WatcherState.CONNECTING || s == WatcherState.SYNCING || s == lastAnnounced) {
      return;
    }
    lastAnnounced = s;
    changes.publishState(epoch, folder, uidValidity, s.name().toLowerCase(Locale.ROOT), detail,
        ++announcements).whenComplete((events, e) -> {
          if (e != null) {
            log.debug("{}: account.state not written: {}", account.accountId(), e.toString());
          }
        });
  }

  private void published(List<ChangeEvent> events) {
    if (pushPendingSince != 0 && !events.isEmpty()) {
      metrics.push().pushServed(System.nanoTime() - pushPendingSince);
      pushPendingSince = 0;
    }
    if (resyncCounts != null) {
      for (ChangeEvent e : events) {
        switch (e.type()) {
          case ChangeEvent.MESSAGE_CREATED -> resyncCounts[0]++;
          case ChangeEvent.MESSAGE_UPDATED, ChangeEvent.MESSAGE_MOVED -> resyncCounts[1]++;
          case ChangeEvent.MESSAGE_DELETED -> resyncCounts[2]++;
          default -> { }
        }
      }
      if (resyncProgress != null) {
        resyncProgress.accept(resyncCounts.clone());
      }
    }
    listener.onPublished(account.accountId(), events, List.of());
  }

  /** Timeouts for the sessions this watcher opens from now on. */
  public void sessionOptions(io.imapsync.imap.session.SessionOptions options) {
    this.sessionOptions = options;
  }

  /** The home folder (where this connection idles). */
  public String mailbox() {
    return home;
  }

  /** Every folder this connection mirrors: home first, then the polled ones. */
  public List<String> folders() {
    List<String> all = new ArrayList<>();
    all.add(home);
    all.addAll(polled);
    return all;
  }

  /**
   * Support's resync of this folder. A recheck compares every mirrored UID's flags and presence
   * with the server and fetches anything new; a full resync rebuilds the folder (mailbox.reset,
   * everything fetched again, message ids kept, vanished messages removed). Completes with what
   * changed. Fails if the folder is not connected now (the report says which state it is in).
   */
  public CompletableFuture<ResyncReport> resync(boolean full, java.util.function.Consumer<long[]> progress) {
    return resync(home, full, progress);
  }

  /** The same for any folder of this connection (a polled one is visited, then the connection goes home). */
  public CompletableFuture<ResyncReport> resync(String target, boolean full, java.util.function.Consumer<long[]> progress) {
    CompletableFuture<ResyncReport> done = new CompletableFuture<>();
    loop.execute(() -> startResync(target, full, progress, done));
    return done;
  }

  private void startResync(String target, boolean full, java.util.function.Consumer<long[]> progress,
      CompletableFuture<ResyncReport> done) {
    if (session == null || !resumed) {
      done.completeExceptionally(new IllegalStateException("folder " + target + " is not connected (state "
          + (state == null ? "unknown" : state.name().toLowerCase(java.util.Locale.ROOT)) + "); try again when it is idle"));
      return;
    }
    if (!target.equals(home) && !polled.contains(target)) {
      done.completeExceptionally(new IllegalStateException("folder " + target + " is not mirrored by this connection"));
      return;
    }
    if (syncing || resyncCounts != null) {
      // One pass at a time: retry when the current one has finished.
      loop.schedule(() -> startResync(target, full, progress, done), 50, TimeUnit.MILLISECONDS);
      return;
    }
    resyncCounts = new long[3];
    resyncProgress = progress;
    syncing = true;
    ImapSession s = session;
    CompletableFuture<Void> arrived = target.equals(folder) ? CompletableFuture.completedFuture(null) : enter(target);
    CompletableFuture<Void> work;
    if (full) {
      work = arrived.thenComposeAsync(x -> live(s, () -> {
        long uv = uidValidity;
        return changes.startReset(epoch, folder, uv, uv)
            .thenAcceptAsync(this::published, loop)
            .thenComposeAsync(v -> {
              uidNext = 1;
              highestModSeq = -1;
              syncedExists = -1;
              return initialStart();
            }, loop)
            .thenComposeAsync(v -> fetchNew(), loop)
            .thenComposeAsync(v -> changes.finishReset(epoch, folder, checkpoint()), loop)
            .thenAcceptAsync(this::published, loop);
      }), loop);
    } else {
      work = arrived.thenComposeAsync(x -> live(s, () -> reconcile(true, true).thenComposeAsync(v -> fetchNew(), loop)), loop);
    }
    work.whenCompleteAsync((v, e) -> {
      long[] c = resyncCounts;
      resyncCounts = null;
      resyncProgress = null;
      if (e != null) {
        syncing = false;
        done.completeExceptionally(unwrap(e));
        if (s == session) {
          onError(e);
        }
        return;
      }
      done.complete(new ResyncReport(target, full, c[0], c[1], c[2]));
      CompletableFuture<Void> back = folder.equals(home) ? pass() : enter(home);
      back.whenCompleteAsync((x, err) -> {
        if (err != null && s == session) {
          onError(err);
        }
      }, loop);
    }, loop);
  }

  private void setState(WatcherState s, String detail) {
    if (s == state || (state == WatcherState.STOPPED && stopped)) {
      return; // nothing moves a stopped watcher out of STOPPED
    }
    log.debug("{} {}: {} -> {} {}", account.accountId(), folder, state, s, detail == null ? "" : detail);
    state = s;
    if (owner == null) {
      announce(s, detail);
    }
    try {
      listener.onStateChange(account.accountId(), s, detail);
    } catch (RuntimeException e) {
      log.warn("sync listener failed", e);
    }
  }
}
