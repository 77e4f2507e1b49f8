package io.imapsync.sync;

import io.imapsync.accounts.AuthKind;
import io.imapsync.conversation.ServerHints;
import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.SequenceSets;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapConnectException;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.SaslMechanism;
import io.imapsync.imap.session.SelectOptions;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FolderChanges;
import io.imapsync.publish.FolderCheckpoint;
import io.imapsync.publish.StaleEpochException;
import io.imapsync.runtime.SharedResources;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors one folder of one account: connect, log in, select, catch up from the checkpoint, then
 * wait in IDLE; on EXISTS leave IDLE, fetch the new messages by UID, normalize them on the worker
 * pool, publish them with the new checkpoint, and go back to IDLE. On any connection loss it backs
 * off and starts over from the checkpoint in Redis, so nothing is lost and nothing doubled.
 *
 * <p>All state is confined to one event loop: every continuation hops back onto it.
 */
public final class MailboxWatcher implements SessionListener {
  private static final Logger log = LoggerFactory.getLogger(MailboxWatcher.class);
  /** Bodies are fetched in chunks so a large catch-up never holds more than this many messages. */
  static final int FETCH_CHUNK = 50;
  static final String FETCH_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])";
  /** With X-GM-EXT-1 (Gmail) or OBJECTID (RFC 8474): the server's own thread ids decide conversations. */
  static final String GMAIL_THREAD_ITEMS = " X-GM-THRID X-GM-LABELS";
  static final String OBJECTID_THREAD_ITEMS = " THREADID";
  /** NOOP interval for servers without a usable IDLE (shorter when IDLE renewal is set shorter). */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(30);
  private static final DateTimeFormatter INTERNALDATE =
      DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

  private final AccountConfig account;
  private final SharedResources resources;
  private final AccountFeed feed;
  private final FolderChanges changes;
  private final SyncListener listener;
  private final MessageNormalizer normalizer;
  private final EventLoop loop;
  private final Duration idleRenewal;
  private final HostGuards.Guard hostGuard;
  private final HostGuards hostGuards;
  private volatile io.imapsync.imap.session.SessionOptions sessionOptions = io.imapsync.imap.session.SessionOptions.DEFAULTS;
  /** Consecutive failed attempts, for the backoff; reset once a folder is resumed. */
  private int failures;
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
  private WatcherState state;
  private ScheduledFuture<?> renewal;
  private WatcherState lastAnnounced;
  private long announcements;
  /** Counts of the resync in progress (added, updated, removed), or null. */
  private long[] resyncCounts;
  private java.util.function.Consumer<long[]> resyncProgress;

  public MailboxWatcher(AccountConfig account, SharedResources resources, AccountFeed feed, FolderChanges changes,
      SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this.account = account;
    this.resources = resources;
    this.feed = feed;
    this.changes = changes;
    this.listener = listener;
    this.normalizer = new MessageNormalizer(NormalizerOptions.forAccount(account.ownAddresses()));
    this.loop = resources.eventLoops().next();
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
    loop.execute(() -> {
      stopped = true;
      if (renewal != null) {
        renewal.cancel(false);
      }
      setState(WatcherState.STOPPED, null);
      if (session == null) {
        done.complete(null);
        return;
      }
      session.logout().orTimeout(5, TimeUnit.SECONDS).whenComplete((v, e) -> {
        session.close();
        done.complete(null);
      });
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
      loop.schedule(this::connectNow, wait, TimeUnit.MILLISECONDS);
      return;
    }
    connectNow();
  }

  private void connectNow() {
    if (stopped) {
      return;
    }
    setState(WatcherState.CONNECTING, account.endpoint().toString());
    resumed = false;
    polling = false;
    exists = 0;
    connectStartedNanos = System.nanoTime();
    CompletableFuture<Long> claimed = epoch > 0 ? CompletableFuture.completedFuture(epoch) : feed.claimEpoch();
    claimed
        .thenComposeAsync(e -> {
          epoch = e;
          return ImapSession.connect(resources, account.endpoint(), sessionOptions, this);
        }, loop)
        .thenComposeAsync(s -> {
          session = s;
          hostGuard.connected(connectStartedNanos);
          return authenticate(s);
        }, loop)
        .thenComposeAsync(v -> enableExtensions(session), loop)
        .thenComposeAsync(v -> session.select(account.mailbox(),
            session.hasCapability("CONDSTORE") || session.isEnabled("QRESYNC")
                ? SelectOptions.condStore() : SelectOptions.PLAIN), loop)
        .thenCombineAsync(feed.checkpoint(account.mailbox()), this::resume, loop)
        .thenComposeAsync(f -> f, loop)
        .whenCompleteAsync((v, e) -> {
          if (e != null) {
            onError(e);
          } else {
            failures = 0;
            scheduleRenewal();
          }
        }, loop);
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
      return s.authenticate(new SaslMechanism.XOAuth2(account.username(), account.password()));
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
    if (!checkpoint.isNone() && checkpoint.uidValidity() == selected.uidValidity()) {
      uidNext = Math.max(1, checkpoint.uidNext());
      highestModSeq = checkpoint.highestModSeq();
      reconcileNeeded = true; // changes made while we were away
      expungeSeen = true;
      return pass();
    }
    highestModSeq = -1;
    if (!checkpoint.isNone()) {
      log.warn("{} {}: UIDVALIDITY changed from {} to {}; rebuilding the folder (message ids stay)",
          account.accountId(), account.mailbox(), checkpoint.uidValidity(), selected.uidValidity());
      return changes.startReset(epoch, account.mailbox(), checkpoint.uidValidity(), selected.uidValidity())
          .thenAcceptAsync(events -> listener.onPublished(account.accountId(), events, List.of()), loop)
          .thenComposeAsync(v -> initialStart(), loop)
          .thenComposeAsync(v -> fetchNew(), loop)
          .thenComposeAsync(v -> changes.finishReset(epoch, account.mailbox(), checkpoint()), loop)
          .thenComposeAsync(events -> {
            published(events);
            return pass();
          }, loop);
    }
    return initialStart().thenCompose(v -> pass());
  }

  private FolderCheckpoint checkpoint() {
    return new FolderCheckpoint(uidValidity, uidNext, highestModSeq);
  }

  /** First sync: the newest {@code initialSyncLimit} messages, found by sequence number. */
  private CompletableFuture<Void> initialStart() {
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
    return session.execute(session.command("FETCH").sp().raw(from + ":* (UID)").build())
        .thenAccept(r -> uidNext = r.untagged().stream()
            .filter(u -> u instanceof ImapResponse.Fetch f && f.data().hasUid())
            .mapToLong(u -> ((ImapResponse.Fetch) u).data().uid())
            .min().orElse(1));
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
    CompletableFuture<Void> first = reconcile ? reconcile(expunges) : CompletableFuture.completedFuture(null);
    return first.thenComposeAsync(v -> live(s, this::fetchNew), loop).thenComposeAsync(v -> live(s, () -> {
      if (dirty || reconcileNeeded) {
        return pass();
      }
      syncing = false;
      return enterIdle();
    }), loop);
  }

  /**
   * Runs the next step only if the session it started on is still ours: a chain begun on a
   * connection that has since failed must not publish alongside the new connection's chain.
   */
  private CompletableFuture<Void> live(ImapSession startedOn, java.util.function.Supplier<CompletableFuture<Void>> step) {
    if (session != startedOn || session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    return step.get();
  }

  private CompletableFuture<Void> reconcile(boolean checkExpunges) {
    return reconcile(checkExpunges, false);
  }

  /** With {@code compareAll} (support's recheck), also fetches UIDs the mirror lacks below uidnext. */
  private CompletableFuture<Void> reconcile(boolean checkExpunges, boolean compareAll) {
    if (session == null) {
      return CompletableFuture.failedFuture(new StaleSessionException());
    }
    return FolderReconciler.run(session, changes, epoch, account.mailbox(), uidValidity, uidNext, highestModSeq,
        selectHighestModSeq, checkExpunges, compareAll).thenComposeAsync(r -> {
          highestModSeq = Math.max(highestModSeq, r.highestModSeq());
          if (!r.events().isEmpty()) {
            published(r.events());
          }
          if (!r.missing().isEmpty()) {
            log.warn("{} {}: {} message(s) below the checkpoint were missing from the mirror; fetching them",
                account.accountId(), account.mailbox(), r.missing().size());
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
            .thenComposeAsync(list -> fetchChunks(list.stream().map(FetchData::uid).sorted().toList(), 0), loop);
    return fetched.thenRunAsync(() -> syncedExists = observedExists, loop);
  }

  private CompletableFuture<Void> fetchDirect() {
    return session.uidFetch(uidNext + ":*", fetchItems(), uidNext)
        .thenComposeAsync(fetched -> fetched.isEmpty() ? CompletableFuture.completedFuture(null)
            : publish(fetched, fetched.stream().mapToLong(FetchData::uid).max().getAsLong()), loop);
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
          return feed.publishNew(epoch, account.mailbox(), next, messages, hints).thenAcceptAsync(events -> {
            uidNext = nextUid;
            published(events);
          }, loop);
        }, loop);
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
        log.debug("{} {}: UID {} came without its body (expunged meanwhile)", account.accountId(), account.mailbox(), f.uid());
        continue;
      }
      out.add(normalizer.normalize(new RawMessage(account.accountId(), account.mailbox(), uidValidity,
          f.uid(), f.flags(), internalDate(f.internalDate()), f.size(), content, f.emailId(),
          f.gmailMessageId(), f.gmailLabels())));
    }
    return out;
  }

  private static long internalDate(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return ZonedDateTime.parse(s.strip(), INTERNALDATE).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
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
      log.info("{} {}: polling with NOOP every {} ms ({})", account.accountId(), account.mailbox(),
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
        onError(e);
      } else {
        loop.schedule(() -> poll(polled), pollInterval().toMillis(), TimeUnit.MILLISECONDS);
      }
    }, loop);
  }

  @Override
  public void onUntagged(ImapSession s, ImapResponse response) {
    // Runs on the session's event loop, which may differ from ours.
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
            triggerSync();
          }
        }
        case ImapResponse.Expunge x -> {
          exists = Math.max(0, exists - 1);
          syncedExists = Math.max(0, syncedExists - 1);
          if (resumed) {
            reconcileNeeded = true;
            expungeSeen = true;
            triggerSync();
          }
        }
        case ImapResponse.Vanished v when !v.earlier() -> {
          exists = Math.max(0, exists - v.uids().size());
          syncedExists = Math.max(0, syncedExists - v.uids().size());
          if (resumed) {
            reconcileNeeded = true;
            triggerSync();
          }
        }
        case ImapResponse.Status st when resumed && st.code() instanceof io.imapsync.imap.protocol.ResponseCode.UidValidity v
            && v.value() != uidValidity -> onError(new ImapConnectException(account.mailbox()
                + " announced a new UIDVALIDITY " + v.value() + "; resuming from the checkpoint", null));
        case ImapResponse.Fetch f when f.data().flags() != null && !syncing -> {
          // An unsolicited FLAGS change (another client). Our own fetches arrive while syncing.
          if (resumed) {
            reconcileNeeded = true;
            triggerSync();
          }
        }
        default -> { }
      }
    });
  }

  private void triggerSync() {
    if (syncing) {
      dirty = true;
      return;
    }
    pass().whenCompleteAsync((v, e) -> {
      if (e != null) {
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
        s.select(account.mailbox(), s.hasCapability("CONDSTORE") || s.isEnabled("QRESYNC")
                ? SelectOptions.condStore() : SelectOptions.PLAIN)
            .whenCompleteAsync((selected, e) -> {
              syncing = false;
              if (s != session) {
                return;
              }
              if (e != null) {
                onError(e);
              } else if (selected.uidValidity() != uidValidity) {
                onError(new ImapConnectException(account.mailbox() + " has a new UIDVALIDITY "
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
    if (renewal != null) {
      renewal.cancel(false);
    }
    polling = false;
    ImapSession old = session;
    session = null;
    syncedExists = -1;
    resumed = false;
    syncing = false;
    if (old != null) {
      old.close();
    }
    if (cause instanceof StaleEpochException) {
      log.warn("{}: another owner took the account over; stopping ({})", account.accountId(), cause.getMessage());
      stopped = true;
      setState(WatcherState.STOPPED, cause.getMessage());
      return;
    }
    boolean authFailure = cause instanceof ImapCommandException ce
        && (ce.command().equals("LOGIN") || ce.command().equals("AUTHENTICATE"));
    if (authFailure) {
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
      log.error("{} {}: unexpected failure; reconnecting in {} ms", account.accountId(), account.mailbox(), delay, cause);
    } else {
      log.warn("{} {}: {}; reconnecting in {} ms", account.accountId(), account.mailbox(), cause.toString(), delay);
    }
    if (state != WatcherState.AUTH_FAILED) {
      setState(WatcherState.BACKING_OFF, cause.getMessage());
    }
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
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
    changes.publishState(epoch, account.mailbox(), uidValidity, s.name().toLowerCase(Locale.ROOT), detail,
        ++announcements).whenComplete((events, e) -> {
          if (e != null) {
            log.debug("{}: account.state not written: {}", account.accountId(), e.toString());
          }
        });
  }

  private void published(List<ChangeEvent> events) {
    if (resyncCounts != null) {
      for (ChangeEvent e : events) {
        switch (e.type()) {
          case ChangeEvent.MESSAGE_CREATED -> resyncCounts[0]++;
          case ChangeEvent.MESSAGE_UPDATED -> resyncCounts[1]++;
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

  public String mailbox() {
    return account.mailbox();
  }

  /**
   * Support's resync of this folder. A recheck compares every mirrored UID's flags and presence
   * with the server and fetches anything new; a full resync rebuilds the folder (mailbox.reset,
   * everything fetched again, message ids kept, vanished messages removed). Completes with what
   * changed. Fails if the folder is not connected now (the report says which state it is in).
   */
  public CompletableFuture<ResyncReport> resync(boolean full, java.util.function.Consumer<long[]> progress) {
    CompletableFuture<ResyncReport> done = new CompletableFuture<>();
    loop.execute(() -> startResync(full, progress, done));
    return done;
  }

  private void startResync(boolean full, java.util.function.Consumer<long[]> progress, CompletableFuture<ResyncReport> done) {
    if (session == null || !resumed) {
      done.completeExceptionally(new IllegalStateException("folder " + account.mailbox() + " is not connected (state "
          + (state == null ? "unknown" : state.name().toLowerCase(java.util.Locale.ROOT)) + "); try again when it is idle"));
      return;
    }
    if (syncing || resyncCounts != null) {
      // One pass at a time: retry when the current one has finished.
      loop.schedule(() -> startResync(full, progress, done), 50, TimeUnit.MILLISECONDS);
      return;
    }
    resyncCounts = new long[3];
    resyncProgress = progress;
    syncing = true;
    CompletableFuture<Void> work;
    if (full) {
      long uv = uidValidity;
      work = changes.startReset(epoch, account.mailbox(), uv, uv)
          .thenAcceptAsync(this::published, loop)
          .thenComposeAsync(v -> {
            uidNext = 1;
            highestModSeq = -1;
            syncedExists = -1;
            return initialStart();
          }, loop)
          .thenComposeAsync(v -> fetchNew(), loop)
          .thenComposeAsync(v -> changes.finishReset(epoch, account.mailbox(), checkpoint()), loop)
          .thenAcceptAsync(this::published, loop);
    } else {
      work = reconcile(true, true).thenComposeAsync(v -> fetchNew(), loop);
    }
    work.whenCompleteAsync((v, e) -> {
      long[] c = resyncCounts;
      resyncCounts = null;
      resyncProgress = null;
      syncing = false;
      if (e != null) {
        done.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
        onError(e);
        return;
      }
      done.complete(new ResyncReport(account.mailbox(), full, c[0], c[1], c[2]));
      pass().whenCompleteAsync((x, err) -> {
        if (err != null) {
          onError(err);
        }
      }, loop);
    }, loop);
  }

  private void setState(WatcherState s, String detail) {
    if (s == state) {
      return;
    }
    log.debug("{} {}: {} -> {} {}", account.accountId(), account.mailbox(), state, s, detail == null ? "" : detail);
    state = s;
    announce(s, detail);
    try {
      listener.onStateChange(account.accountId(), s, detail);
    } catch (RuntimeException e) {
      log.warn("sync listener failed", e);
    }
  }
}
