package io.imapsync.admin;

import java.util.concurrent.CompletableFuture;

/** What the health endpoints ask; both answer without blocking the caller. */
public interface Health {
  /** {@code /health/live}: the process and its event loops respond. */
  CompletableFuture<HealthReport> live();

  /** {@code /health/ready}: able to do its work (docs/metrics.md defines it for the daemon). */
  CompletableFuture<HealthReport> ready();
}
