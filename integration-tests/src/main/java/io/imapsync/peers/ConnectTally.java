package io.imapsync.peers;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** How a peer's connecting goes: mailboxes watched, failed to connect, and lost after watching. */
public final class ConnectTally {
  private final int mailboxes;
  private final long startedNanos = System.nanoTime();
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger lost = new AtomicInteger();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile double doneSeconds = -1;

  public ConnectTally(int mailboxes) {
    this.mailboxes = mailboxes;
  }

  public void markConnected() {
    connected.incrementAndGet();
    markIfDone();
  }

  public void markFailed(String user, Throwable error) {
    firstError.compareAndSet(null, user + ": " + error);
    failed.incrementAndGet();
    markIfDone();
  }

  /** A watched mailbox whose connection ended (the benchmark never drops peers' connections). */
  public void markLost(String user, Throwable error) {
    firstError.compareAndSet(null, user + " lost: " + error);
    lost.incrementAndGet();
  }

  public boolean done() {
    return connected.get() + failed.get() >= mailboxes;
  }

  public int connected() {
    return connected.get();
  }

  public int failed() {
    return failed.get();
  }

  public int lost() {
    return lost.get();
  }

  public String firstError() {
    return firstError.get();
  }

  /** Seconds since the tally started, or until every mailbox was connected or failed. */
  public double seconds() {
    double d = doneSeconds;
    return d >= 0 ? d : (System.nanoTime() - startedNanos) / 1e9;
  }

  private void markIfDone() {
    if (done() && doneSeconds < 0) {
      doneSeconds = (System.nanoTime() - startedNanos) / 1e9;
    }
  }
}
