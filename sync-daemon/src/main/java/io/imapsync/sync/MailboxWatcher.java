package io.imapsync.sync;

import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.SequenceSets;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.SaslMechanism;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FolderCheckpoint;
import io.imapsync.publish.StaleEpochException;
import io.imapsync.runtime.SharedResources;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
  /** NOOP interval for servers without a usable IDLE. */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(30);
  private static final DateTimeFormatter INTERNALDATE =
      DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

  private final AccountConfig account;
  private final SharedResources resources;
  private final AccountFeed feed;
  private final SyncListener listener;
  private final MessageNormalizer normalizer;
  private final EventLoop loop;
  private final Duration idleRenewal;
  private final HostGuards.Guard hostGuard;
  private final HostGuards hostGuards;
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
  /** True once this connection's folder is selected and resumed from its checkpoint. */
  private boolean resumed;
  private boolean syncing;
  private boolean dirty;
  private boolean stopped;
  private WatcherState state;
  private ScheduledFuture<?> renewal;

  public MailboxWatcher(AccountConfig account, SharedResources resources, AccountFeed feed,
      SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this.account = account;
    this.resources = resources;
    this.feed = feed;
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
          return ImapSession.connect(resources, account.endpoint(), this);
        }, loop)
        .thenComposeAsync(s -> {
          session = s;
          hostGuard.connected(connectStartedNanos);
          return authenticate(s);
        }, loop)
        .thenComposeAsync(v -> session.select(account.mailbox()), loop)
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

  /** LOGIN, or AUTHENTICATE PLAIN where the server disabled LOGIN. */
  private CompletableFuture<Void> authenticate(ImapSession s) {
    if (s.isPreauthenticated()) {
      return CompletableFuture.completedFuture(null);
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
    resumed = true;
    setState(WatcherState.SYNCING, null);
    if (!checkpoint.isNone() && checkpoint.uidValidity() == selected.uidValidity()) {
      uidNext = Math.max(1, checkpoint.uidNext());
      return syncNew();
    }
    if (!checkpoint.isNone()) {
      log.warn("{} {}: UIDVALIDITY changed from {} to {}; mirroring the folder afresh",
          account.accountId(), account.mailbox(), checkpoint.uidValidity(), selected.uidValidity());
    }
    return initialStart().thenCompose(v -> syncNew());
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
   * Fetches and publishes everything from uidNext on, then enters IDLE. When only a few messages
   * are new (the common push case) their bodies are fetched at once, saving a round trip; after a
   * long absence the UIDs are listed first and bodies fetched in bounded chunks.
   */
  private CompletableFuture<Void> syncNew() {
    syncing = true;
    dirty = false;
    long expected = syncedExists < 0 ? Long.MAX_VALUE : exists - syncedExists;
    long observedExists = exists;
    CompletableFuture<Void> fetched = expected > 0 && expected <= FETCH_CHUNK
        ? fetchDirect()
        : session.uidFetch(uidNext + ":*", "(UID)", uidNext)
            .thenComposeAsync(list -> fetchChunks(list.stream().map(FetchData::uid).sorted().toList(), 0), loop);
    return fetched.thenComposeAsync(v -> {
      syncedExists = observedExists;
      if (dirty) {
        return syncNew();
      }
      syncing = false;
      return enterIdle();
    }, loop);
  }

  private CompletableFuture<Void> fetchDirect() {
    return session.uidFetch(uidNext + ":*", FETCH_ITEMS, uidNext)
        .thenComposeAsync(fetched -> fetched.isEmpty() ? CompletableFuture.completedFuture(null)
            : publish(fetched, fetched.stream().mapToLong(FetchData::uid).max().getAsLong()), loop);
  }

  private CompletableFuture<Void> fetchChunks(List<Long> uids, int from) {
    if (from >= uids.size()) {
      return CompletableFuture.completedFuture(null);
    }
    List<Long> chunk = uids.subList(from, Math.min(uids.size(), from + FETCH_CHUNK));
    String set = SequenceSets.compress(chunk);
    long first = chunk.get(0);
    return session.uidFetch(set, FETCH_ITEMS, first)
        .thenComposeAsync(fetched -> publish(fetched, chunk.get(chunk.size() - 1)), loop)
        .thenComposeAsync(v -> fetchChunks(uids, from + FETCH_CHUNK), loop);
  }

  /** Normalizes on the worker pool, then writes messages and the checkpoint (uidnext = maxUid + 1) atomically. */
  private CompletableFuture<Void> publish(List<FetchData> fetched, long maxUid) {
    return CompletableFuture.supplyAsync(() -> normalize(fetched), resources.workers())
        .thenComposeAsync(messages -> {
          FolderCheckpoint next = new FolderCheckpoint(uidValidity, maxUid + 1, -1);
          return feed.publishNew(epoch, account.mailbox(), next, messages).thenAcceptAsync(events -> {
            uidNext = maxUid + 1;
            listener.onPublished(account.accountId(), events, List.of());
          }, loop);
        }, loop);
  }

  private List<MessageDocument> normalize(List<FetchData> fetched) {
    List<MessageDocument> out = new ArrayList<>(fetched.size());
    for (FetchData f : fetched) {
      byte[] content = f.wholeMessage();
      if (content == null) {
        log.warn("{} {}: UID {} came without its body; it will be fetched again",
            account.accountId(), account.mailbox(), f.uid());
        continue;
      }
      out.add(normalizer.normalize(new RawMessage(account.accountId(), account.mailbox(), uidValidity,
          f.uid(), f.flags(), internalDate(f.internalDate()), f.size(), content, f.emailId(),
          f.gmailMessageId(), f.gmailLabels())));
    }
    out.sort((a, b) -> Long.compare(a.uid(), b.uid()));
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
      log.info("{} {}: polling with NOOP every {} s ({})", account.accountId(), account.mailbox(),
          POLL_INTERVAL.toSeconds(), why);
      ImapSession polled = session;
      loop.schedule(() -> poll(polled), POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
    setState(WatcherState.POLLING, why);
    return CompletableFuture.completedFuture(null);
  }

  private void poll(ImapSession polled) {
    if (stopped || polled != session || !polling) {
      return;
    }
    polled.noop().whenCompleteAsync((r, e) -> {
      if (e != null) {
        onError(e);
      } else {
        loop.schedule(() -> poll(polled), POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
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
    syncNew().whenCompleteAsync((v, e) -> {
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
      if (session != null && session.isIdling() && !syncing && !polling) {
        session.noop().thenComposeAsync(r -> syncing ? CompletableFuture.completedFuture(null) : enterIdle(), loop)
            .whenCompleteAsync((v, e) -> {
              if (e != null) {
                onError(e);
              }
            }, loop);
      }
    }, idleRenewal.toMillis(), idleRenewal.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onClosed(ImapSession s, Throwable cause) {
    loop.execute(() -> {
      if (s == session && !stopped) {
        onError(cause != null ? cause : new IllegalStateException("connection closed by server"));
      }
    });
  }

  private void onError(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (stopped) {
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
    log.warn("{} {}: {}; reconnecting in {} ms", account.accountId(), account.mailbox(), cause.toString(), delay);
    if (state != WatcherState.AUTH_FAILED) {
      setState(WatcherState.BACKING_OFF, cause.getMessage());
    }
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private void setState(WatcherState s, String detail) {
    if (s == state) {
      return;
    }
    state = s;
    try {
      listener.onStateChange(account.accountId(), s, detail);
    } catch (RuntimeException e) {
      log.warn("sync listener failed", e);
    }
  }
}
