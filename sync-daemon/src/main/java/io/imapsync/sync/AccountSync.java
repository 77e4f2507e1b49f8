package io.imapsync.sync;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.SessionOptions;
import io.imapsync.model.ChangeEvent;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FolderChanges;
import io.imapsync.runtime.Deadlines;
import io.imapsync.runtime.SharedResources;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watched folder of one account, within its connection budget. Watcher 0 connects first and
 * lists the folders; the plan then spreads them over connections:
 *
 * <ul>
 *   <li>NOTIFY offered (and allowed): one connection, idling in the first folder, the others
 *       pushed to it as STATUS responses.
 *   <li>Otherwise: IDLE in each of the first {@code budget - 1} folders, and the last connection
 *       idles in the next folder and checks the rest with STATUS every {@code statusInterval}.
 * </ul>
 *
 * <p>The account's owner epoch is claimed once and shared by its connections (a second claim
 * would fence the first). A message expunged from its last folder waits on the gone list until
 * every connection has checked its folders again ({@link #requestSweep}); only then is it
 * announced as deleted, so a move into a polled folder is one {@code message.moved}.
 *
 * <p>A changed folder list (created, deleted, renamed) re-plans: connections that no longer fit
 * log out before new ones open, so the budget holds during the change too.
 */
public final class AccountSync implements SyncListener {
  private static final Logger log = LoggerFactory.getLogger(AccountSync.class);
  /** How long a sweep waits for a connection that is down before it announces deletions anyway. */
  static final Duration SWEEP_TIMEOUT = Duration.ofSeconds(30);
  /** Pause between closing connections and opening their replacements. */
  static final Duration CLOSE_SETTLE = Duration.ofMillis(200);

  /** What one connection mirrors. */
  public record Share(String home, List<String> polled) {}

  private final AccountConfig account;
  private final SharedResources resources;
  private final AccountFeed feed;
  private final FolderChanges changes;
  private final SyncListener listener;
  private final Duration idleRenewal;
  private final HostGuards hostGuards;
  private final EventLoop loop;
  private volatile SessionOptions sessionOptions = SessionOptions.DEFAULTS;
  private volatile TokenRefresher refresher;
  /** The secret in use: the registered one, or the last token the refresher gave. */
  private volatile String secret;
  private CompletableFuture<String> refreshing;

  private final List<MailboxWatcher> watchers = new ArrayList<>();
  private List<Share> plan;
  private CompletableFuture<Long> epoch;
  private boolean stopped;
  private boolean sweepScheduled;
  private boolean forgetting;
  private boolean forgetAgain;
  private WatcherState announced;
  private long announcements;
  private CompletableFuture<Void> replanning = CompletableFuture.completedFuture(null);

  public AccountSync(AccountConfig account, SharedResources resources, AccountFeed feed, FolderChanges changes,
      SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this(account, resources, resources.eventLoops().next(), feed, changes, listener, idleRenewal, hostGuards);
  }

  /**
   * An account on one event loop: its connections are opened there and its watchers run there; give
   * it the loop its Redis connection lives on, and a push never changes thread but for parsing.
   */
  public AccountSync(AccountConfig account, SharedResources resources, EventLoop loop, AccountFeed feed,
      FolderChanges changes, SyncListener listener, Duration idleRenewal, HostGuards hostGuards) {
    this.account = account;
    this.loop = loop;
    this.resources = resources;
    this.feed = feed;
    this.changes = changes;
    this.listener = listener;
    this.idleRenewal = idleRenewal;
    this.hostGuards = hostGuards;
    changes.onGone(this::requestSweep);
    this.secret = account.password();
    if (singleFolder()) {
      plan = List.of(new Share(account.mailboxes().get(0), List.of()));
    }
  }

  /** One named folder: nothing to discover or plan (and no LIST, which some servers handle badly). */
  boolean singleFolder() {
    return account.mailboxes().size() == 1 && !account.watchesAll();
  }

  public String accountId() {
    return account.accountId();
  }

  /** The event loop the account's sessions and watchers run on. */
  EventLoop loop() {
    return loop;
  }

  public AccountConfig config() {
    return account;
  }

  public void sessionOptions(SessionOptions options) {
    this.sessionOptions = options;
  }

  /** Where new OAuth2 access tokens come from when the server rejects one (null: nowhere). */
  public void tokenRefresher(TokenRefresher refresher) {
    this.refresher = refresher;
  }

  String secret() {
    return secret;
  }

  boolean canRefresh() {
    return refresher != null;
  }

  /**
   * A new access token after the server rejected {@code rejected}. One refresh at a time for the
   * account: connections that were rejected with the same token share it; a connection rejected
   * with an old token gets the current one at once.
   */
  synchronized CompletableFuture<String> refreshToken(String rejected) {
    if (!rejected.equals(secret)) {
      return CompletableFuture.completedFuture(secret);
    }
    if (refreshing == null || refreshing.isDone()) {
      refreshing = refresher.refresh(account.accountId(), account.username()).thenApply(token -> {
        synchronized (this) {
          secret = token;
        }
        log.info("{}: the server rejected the access token; got a new one from the refresher", account.accountId());
        return token;
      });
    }
    return refreshing;
  }

  Duration statusInterval() {
    return account.statusInterval();
  }

  public synchronized void start() {
    MailboxWatcher first = newWatcher(true);
    first.start();
    // Messages left on the gone list by a previous run: decided once every folder was looked at.
    changes.hasGone().thenAccept(any -> {
      if (any) {
        requestSweep();
      }
    });
  }

  private MailboxWatcher newWatcher(boolean discoverer) {
    MailboxWatcher w = new MailboxWatcher(account, this, discoverer, resources, feed, changes, this, idleRenewal,
        hostGuards);
    w.sessionOptions(sessionOptions);
    watchers.add(w);
    return w;
  }

  /** The account's epoch, claimed on first use and shared by every connection. */
  synchronized CompletableFuture<Long> epoch() {
    if (epoch == null || epoch.isCompletedExceptionally()) {
      epoch = feed.claimEpoch();
    }
    return epoch;
  }

  public synchronized List<MailboxWatcher> watchers() {
    return List.copyOf(watchers);
  }

  /** The plan in force: which folder each connection idles in and which it polls (null before the first LIST). */
  public synchronized List<Share> plan() {
    return plan;
  }

  /**
   * Watcher 0 listed the folders. Returns watcher 0's share of the plan; starts, stops or re-plans
   * the other connections as needed (stopping first, so the budget holds).
   */
  synchronized Share onFolders(MailboxWatcher reporter, List<ImapResponse.ListEntry> entries, boolean utf8,
      boolean notify) {
    List<String> names = chooseFolders(entries, utf8);
    List<Share> next = plan(names, notify && account.useNotify(), account.connectionBudget());
    if (stopped) {
      return null;
    }
    if (next.equals(plan)) {
      forgetUnplanned();
      return null;
    }
    boolean first = plan == null;
    List<Share> previous = plan;
    plan = next;
    log.info("{}: watching {} folder(s) on {} connection(s): {}", account.accountId(), names.size(), next.size(), next);
    forgetUnplanned();
    List<MailboxWatcher> others = new ArrayList<>(watchers);
    others.remove(reporter);
    if (!first && previous.size() == next.size() && sameHomes(previous, next) && others.size() == next.size() - 1) {
      // Only the polled sets changed: hand each connection its new share, no reconnects.
      for (int i = 1; i < next.size(); i++) {
        others.get(i - 1).share(next.get(i));
      }
      return next.get(0);
    }
    watchers.removeAll(others);
    CompletableFuture<?>[] stops = others.stream().map(MailboxWatcher::stop).toArray(CompletableFuture[]::new);
    // Closed before new ones open, and a moment more: the server must see the old connections end
    // before it counts the new ones (providers count per account).
    replanning = CompletableFuture.allOf(stops).thenRunAsync(() -> { }, after(CLOSE_SETTLE.toMillis())).thenRun(() -> {
      synchronized (this) {
        if (stopped || plan != next) {
          return;
        }
        for (int i = 1; i < next.size(); i++) {
          MailboxWatcher w = newWatcher(false);
          w.share(next.get(i));
          w.start();
        }
      }
    });
    return next.get(0);
  }

  /**
   * Runs a task after a delay on one of our event loops (not the JDK's common pool: the daemon's
   * work stays on its own threads, and stops with them).
   */
  private java.util.concurrent.Executor after(long millis) {
    return task -> loop.schedule(task, millis, TimeUnit.MILLISECONDS);
  }

  private static boolean sameHomes(List<Share> a, List<Share> b) {
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).home().equals(b.get(i).home())) {
        return false;
      }
    }
    return true;
  }

  private List<String> chooseFolders(List<ImapResponse.ListEntry> entries, boolean utf8) {
    List<WatchedFolder> chosen = account.watchesAll() ? FolderDiscovery.all(entries, utf8)
        : FolderDiscovery.choose(entries, account.mailboxes(), utf8);
    if (!account.watchesAll() && !account.mailboxes().isEmpty()) {
      List<String> missing = FolderDiscovery.missing(chosen, account.mailboxes());
      if (!missing.isEmpty()) {
        log.warn("{}: configured folder(s) {} not on the server; watching the others", account.accountId(), missing);
      }
    }
    List<String> names = new ArrayList<>(chosen.stream().map(WatchedFolder::name).distinct().toList());
    if (names.isEmpty()) {
      names.add("INBOX"); // every account has one (RFC 9051 §5.1)
    }
    return names;
  }

  /** Folders spread over the budget (see the class comment). */
  static List<Share> plan(List<String> names, boolean notify, int budget) {
    if (notify || budget == 1 || names.size() == 1) {
      return List.of(new Share(names.get(0), List.copyOf(names.subList(1, names.size()))));
    }
    int n = Math.min(budget, names.size());
    List<Share> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<String> polled = i == n - 1 ? List.copyOf(names.subList(n, names.size())) : List.of();
      out.add(new Share(names.get(i), polled));
    }
    return out;
  }

  private synchronized Set<String> plannedFolders() {
    Set<String> out = new HashSet<>();
    if (plan != null) {
      for (Share sh : plan) {
        out.add(sh.home());
        out.addAll(sh.polled());
      }
    }
    return out;
  }

  /**
   * Folders mirrored but not planned now (deleted, renamed, or dropped from the config) are
   * forgotten. Run after every LIST, not only when the plan changed: a visit that ended just before
   * a folder went can write its checkpoint after the plan changed, and nothing else would remove it.
   * One run at a time; a LIST during a run asks for one more.
   */
  private void forgetUnplanned() {
    synchronized (this) {
      if (forgetting) {
        forgetAgain = true;
        return;
      }
      forgetting = true;
      forgetAgain = false;
    }
    epoch().thenCompose(e -> changes.forgetFoldersExcept(e, f -> plannedFolders().contains(f)))
        .whenComplete((events, e) -> {
          if (e != null) {
            log.warn("{}: forgetting unwatched folders failed: {}", account.accountId(), e.toString());
          } else if (!events.isEmpty()) {
            listener.onPublished(account.accountId(), events, List.of());
          }
          boolean again;
          synchronized (this) {
            forgetting = false;
            again = forgetAgain && !stopped;
          }
          if (again) {
            forgetUnplanned();
          }
        });
  }

  /**
   * Messages went on the gone list: ask every connection to check its folders, then announce as
   * deleted what nobody found again. Sweeps requested while one runs are folded into the next.
   */
  public void requestSweep() {
    synchronized (this) {
      if (sweepScheduled || stopped) {
        return;
      }
      sweepScheduled = true;
    }
    sweep().whenComplete((events, e) -> {
      synchronized (this) {
        sweepScheduled = false;
      }
      boolean cancelled = e != null && (e instanceof java.util.concurrent.CancellationException
          || e.getCause() instanceof java.util.concurrent.CancellationException);
      if (e != null && !cancelled) {
        log.warn("{}: sweep of the gone list failed: {}", account.accountId(), e.toString());
      }
      // More went on the list while we swept, or a connection was replaced under the sweep: again
      // (after a pause when it failed, so a broken Redis is not hammered).
      java.util.concurrent.Executor later = e == null ? Runnable::run
          : after(e instanceof java.util.concurrent.CancellationException ? 100 : 5000);
      later.execute(() -> changes.hasGone().thenAccept(any -> {
        if (any) {
          requestSweep();
        }
      }));
    });
  }

  /** When the last completed sweep began: a deletion is announced only after two sweeps saw it. */
  private long lastSweepStart;

  /**
   * One sweep: check every folder, then announce as deleted what left before the previous
   * completed sweep began, so every message on the gone list was looked for in two full checks
   * (servers without CONDSTORE can be slow to show a moved message, GreenMail for one). With IDLE
   * or NOTIFY a check takes milliseconds, so a deletion still reaches the feed quickly.
   */
  public CompletableFuture<List<ChangeEvent>> sweep() {
    long started = System.currentTimeMillis();
    long cutoff;
    synchronized (this) {
      cutoff = lastSweepStart;
    }
    CompletableFuture<Void> planned;
    synchronized (this) {
      planned = replanning.handle((v, e) -> null); // a re-plan in progress: its new connections must look too
    }
    // First the folder list (a message may have moved into a folder created a moment ago), then,
    // with the plan that list gives, every connection's folders.
    MailboxWatcher first;
    synchronized (this) {
      first = watchers.isEmpty() ? null : watchers.get(0);
    }
    CompletableFuture<Void> listed = first == null ? CompletableFuture.completedFuture(null)
        : Deadlines.completeOnTimeout(first.checkNow(true), null, SWEEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, loop);
    return planned.thenCombine(listed, (a, b) -> (Void) null).thenCompose(x -> {
      synchronized (this) {
        return replanning;
      }
    }).thenCompose(x -> {
      CompletableFuture<?>[] checks = watchers().stream()
          .map(w -> Deadlines.completeOnTimeout(w.checkNow(), null, SWEEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, loop))
          .toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(checks);
    }).thenCompose(v -> {
      synchronized (this) {
        if (stopped) {
          // Handing the account over: the next owner sweeps once it has looked at every folder.
          return CompletableFuture.failedFuture(new java.util.concurrent.CancellationException("account stopped"));
        }
      }
      return epoch();
    }).thenCompose(e -> {
      synchronized (this) {
        lastSweepStart = Math.max(lastSweepStart, started);
      }
      return changes.finalizeGone(e, cutoff);
    })
        .thenApply(events -> {
          if (!events.isEmpty()) {
            listener.onPublished(account.accountId(), events, List.of());
          }
          return events;
        });
  }

  /** A connection found a folder missing: watcher 0 lists the folders again (and re-plans). */
  void folderListChanged() {
    MailboxWatcher first;
    synchronized (this) {
      first = watchers.isEmpty() ? null : watchers.get(0);
    }
    if (first != null) {
      first.checkNow(true).whenComplete((v, e) -> { });
    }
  }

  /** The connection that mirrors {@code folder}, or null. */
  public synchronized MailboxWatcher watcherOf(String folder) {
    for (MailboxWatcher w : watchers) {
      if (w.folders().contains(folder)) {
        return w;
      }
    }
    return null;
  }

  /** Every folder the account mirrors now, in plan order. */
  public synchronized List<String> folders() {
    List<String> out = new ArrayList<>();
    for (MailboxWatcher w : watchers) {
      out.addAll(w.folders());
    }
    return out;
  }

  public CompletableFuture<Void> stop() {
    List<MailboxWatcher> all;
    synchronized (this) {
      stopped = true;
      all = List.copyOf(watchers);
    }
    // Connections closed, then every write already queued has landed: the checkpoint is final
    // and the next owner resumes from it.
    return CompletableFuture.allOf(all.stream().map(MailboxWatcher::stop).toArray(CompletableFuture[]::new))
        .thenCompose(v -> feed.drained());
  }

  /** The account's state: the least healthy of its connections. */
  public synchronized WatcherState state() {
    WatcherState worst = null;
    for (MailboxWatcher w : watchers) {
      WatcherState s = w.state();
      if (s != null && (worst == null || rank(s) > rank(worst))) {
        worst = s;
      }
    }
    return worst;
  }

  private static int rank(WatcherState s) {
    return switch (s) {
      case IDLE -> 0;
      case POLLING -> 1;
      case SYNCING -> 2;
      case CONNECTING -> 3;
      case THROTTLED -> 4;
      case BACKING_OFF -> 5;
      case AUTH_FAILED -> 6;
      case STOPPED -> 7;
    };
  }

  @Override
  public void onStateChange(String accountId, WatcherState state, String detail) {
    WatcherState now;
    synchronized (this) {
      now = stopped ? WatcherState.STOPPED : state();
      if (now == null || now == announced) {
        return;
      }
      announced = now;
    }
    String why = now == state ? detail : null;
    try {
      listener.onStateChange(accountId, now, why);
    } catch (RuntimeException e) {
      log.warn("sync listener failed", e);
    }
    announce(now, why);
  }

  /**
   * Settled states go to the feed as account.state events (the app shows "reconnecting" or
   * "password rejected" from them); passing states (connecting, syncing) are not sent.
   */
  private void announce(WatcherState s, String detail) {
    if (s == WatcherState.CONNECTING || s == WatcherState.SYNCING || epoch == null || !epoch.isDone()
        || epoch.isCompletedExceptionally()) {
      return;
    }
    long e = epoch.join();
    long seq;
    synchronized (this) {
      seq = ++announcements;
    }
    String mailbox = plan == null ? "INBOX" : plan.get(0).home();
    changes.publishState(e, mailbox, -1, s.name().toLowerCase(Locale.ROOT), detail, seq).whenComplete((events, err) -> {
      if (err != null) {
        log.debug("{}: account.state not written: {}", account.accountId(), err.toString());
      }
    });
  }

  @Override
  public void onPublished(String accountId, List<ChangeEvent> events, List<String> streamIds) {
    listener.onPublished(accountId, events, streamIds);
  }
}
