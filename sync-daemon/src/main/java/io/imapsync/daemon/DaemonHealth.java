package io.imapsync.daemon;

import io.imapsync.admin.Health;
import io.imapsync.admin.HealthReport;
import io.imapsync.runtime.SharedResources;
import io.imapsync.runtime.Deadlines;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's health. Live: every event loop runs a task within {@link #LOOP_DEADLINE} (a loop
 * stuck in a blocking call or a hot loop fails it). Ready: startup is complete (every account of
 * the accounts file, or of the registry's first read, was added and its first connection
 * started) and Redis answers PING within {@link #REDIS_DEADLINE} on each of the daemon's connections.
 */
public final class DaemonHealth implements Health {
  static final Duration LOOP_DEADLINE = Duration.ofSeconds(2);
  static final Duration REDIS_DEADLINE = Duration.ofSeconds(1);

  private final SharedResources resources;
  private final SyncDaemon daemon;

  public DaemonHealth(SharedResources resources, SyncDaemon daemon) {
    this.resources = resources;
    this.daemon = daemon;
  }

  @Override
  public CompletableFuture<HealthReport> live() {
    List<CompletableFuture<Void>> ran = new ArrayList<>();
    AtomicInteger responding = new AtomicInteger();
    List<EventLoop> loops = resources.loops();
    for (int i = 0; i < loops.size(); i++) {
      EventLoop loop = loops.get(i);
      CompletableFuture<Void> done = new CompletableFuture<>();
      try {
        loop.execute(() -> {
          responding.incrementAndGet();
          done.complete(null);
        });
      } catch (RuntimeException e) {
        done.completeExceptionally(e); // shut down
      }
      // Each loop's deadline runs on another loop: a stuck loop cannot miss its own. (With one
      // loop the admin endpoint is stuck with it; the prober's own timeout reports that.)
      ran.add(Deadlines.orTimeout(done, LOOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS,
          loops.get((i + 1) % loops.size())));
    }
    int count = ran.size();
    return CompletableFuture.allOf(ran.toArray(CompletableFuture[]::new))
        .handle((v, e) -> {
          Map<String, Object> details = new LinkedHashMap<>();
          details.put("live", e == null);
          details.put("event_loops", count);
          details.put("responding", responding.get());
          return new HealthReport(e == null, details);
        });
  }

  @Override
  public CompletableFuture<HealthReport> ready() {
    boolean started = daemon.isStartupComplete();
    int accounts = daemon.accounts().size();
    return daemon.pingRedis(REDIS_DEADLINE).handle((v, e) -> {
      boolean redisUp = e == null;
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("ready", started && redisUp);
      details.put("startup_complete", started);
      details.put("redis", redisUp ? "up" : "down");
      details.put("accounts", accounts);
      return new HealthReport(started && redisUp, details);
    });
  }
}
