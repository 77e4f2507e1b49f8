package io.imapsync.sync;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One rate limiter and one circuit breaker per IMAP host (Resilience4j), shared by every account
 * on that host. Non-blocking: callers get the delay to wait and schedule themselves on their
 * event loop.
 */
public final class HostGuards {
  private final HostPolicy policy;
  private final Map<String, Guard> guards = new ConcurrentHashMap<>();
  private final IntervalFunction backoff;

  public HostGuards(HostPolicy policy) {
    this.policy = policy;
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(policy.backoffBase(), 2.0, 0.5, policy.backoffMax());
  }

  /** Jittered exponential backoff for the n-th consecutive failure (1-based). */
  public long backoffMillis(int attempt) {
    return backoff.apply(Math.max(1, attempt));
  }

  public Guard forHost(String host) {
    return guards.computeIfAbsent(host.toLowerCase(Locale.ROOT), h -> new Guard(h, policy));
  }

  /**
   * The limiter runs at 90% of the configured rate: a connect fires when the event loop gets to
   * it, and late ones from one second land in the next (a 10,000-mailbox storm at 2,000/s saw 2,132
   * begun in one wall-clock second without this margin). The configured figure is a ceiling.
   */
  static int effectiveRate(int configuredPerSecond) {
    return Math.max(1, configuredPerSecond * 9 / 10);
  }

  /** Permits per refresh period: periods of at least 10 ms, the rate exact. */
  static int permitsPerPeriod(int perSecond) {
    return Math.max(1, perSecond / 100);
  }

  /** The most TCP connects begun to one host within one wall-clock second, over every host. */
  public int peakConnectsPerSecond() {
    return guards.values().stream().mapToInt(Guard::peakConnectsPerSecond).max().orElse(0);
  }

  /** Starts the peaks again (a benchmark measuring one phase). */
  public void resetPeaks() {
    guards.values().forEach(Guard::resetPeak);
  }

  /** The limiter and breaker of one host. */
  public static final class Guard {
    private final RateLimiter limiter;
    private final CircuitBreaker breaker;
    // When the last `begun.length` admitted connects began (nanoTime; Long.MIN_VALUE: never): one
    // more may begin only once the oldest of them is a window old. Any second holds at most the
    // limiter's rate, however late its timers run.
    private final long[] begun;
    private final long windowNanos;
    private int oldest;
    // Connects begun per wall-clock second, as the server would count accepts: the limiter's
    // own view (reservations) is not what reaches the wire if the loop runs late.
    private long second;
    private int inSecond;
    private int peak;

    Guard(String host, HostPolicy policy) {
      int rate = effectiveRate(policy.connectsPerSecond());
      this.begun = new long[permitsPerPeriod(rate)];
      java.util.Arrays.fill(begun, Long.MIN_VALUE);
      this.windowNanos = begun.length * 1_000_000_000L / rate;
      this.limiter = RateLimiter.of("connect:" + host, RateLimiterConfig.custom()
          // Many small periods a second rather than one big one: a second's permits are not all
          // spent at its start, so no one-second window at the server sees more than the rate.
          .limitForPeriod(permitsPerPeriod(rate))
          .limitRefreshPeriod(Duration.ofNanos(permitsPerPeriod(rate) * 1_000_000_000L / rate))
          .timeoutDuration(Duration.ofHours(1)) // reservations queue up; nobody blocks
          .build());
      this.breaker = CircuitBreaker.of("imap:" + host, CircuitBreakerConfig.custom()
          .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
          .slidingWindowSize(policy.breakerWindow())
          .minimumNumberOfCalls(Math.max(2, policy.breakerWindow() / 2))
          .failureRateThreshold(policy.breakerFailureRatePercent())
          .waitDurationInOpenState(policy.breakerOpenFor())
          .permittedNumberOfCallsInHalfOpenState(2)
          .automaticTransitionFromOpenToHalfOpenEnabled(true)
          .build());
    }

    /**
     * Asks to connect: returns the milliseconds to wait before connecting (0 = now), or -1 when the
     * host's breaker is open and the attempt should be retried later.
     */
    public long reserveConnect() {
      if (!breaker.tryAcquirePermission()) {
        return -1;
      }
      long nanos = limiter.reservePermission();
      return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos) + 1;
    }

    /**
     * A reserved connect came due: 0 when it may begin now (and it counts from now), else the
     * milliseconds until it may. A busy event loop runs a backlog of timers at once; had they all
     * connected, a storm of 19,000 began 2,784 connects in one second against a limit of 2,000.
     * The late ones wait here for a free place instead of reserving again at the limiter, which
     * spent a second permit on each and at a cold start cut the connect rate to a third.
     */
    public synchronized long admit() {
      long now = System.nanoTime();
      long since = begun[oldest] == Long.MIN_VALUE ? Long.MAX_VALUE : now - begun[oldest];
      if (since < windowNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(windowNanos - since + 999_999));
      }
      begun[oldest] = now;
      oldest = (oldest + 1) % begun.length;
      return 0;
    }

    /** A TCP connect is being started now. */
    public synchronized void connecting() {
      long now = System.currentTimeMillis() / 1000;
      if (now != second) {
        second = now;
        inSecond = 0;
      }
      peak = Math.max(peak, ++inSecond);
    }

    public synchronized int peakConnectsPerSecond() {
      return peak;
    }

    synchronized void resetPeak() {
      peak = 0;
    }

    public void connected(long startedNanos) {
      breaker.onSuccess(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    public void failed(long startedNanos, Throwable cause) {
      breaker.onError(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS, cause);
    }

    public boolean open() {
      return breaker.getState() == CircuitBreaker.State.OPEN;
    }

    public CircuitBreaker breaker() {
      return breaker;
    }
  }
}
