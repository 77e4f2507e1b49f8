package io.imapsync.publish;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs an account's read-then-write steps one after another. Each step reads Redis and writes a
 * batch computed from what it read, so two steps of one account (a new message in one folder, an
 * expunge in another) must never interleave. One queue per account, shared by its feed and folders.
 */
public final class SerialQueue {
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

  public synchronized <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> step) {
    CompletableFuture<T> result = last.thenCompose(v -> step.get());
    // Keep only completion, not the result: an idle account must not hold its last batch's events.
    last = result.handle((v, e) -> null);
    return result;
  }
}
