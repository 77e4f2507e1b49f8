package io.imapsync.normalize;

/** Told of each parse warning a message gets (metrics count them by kind); called on the worker that normalizes. */
@FunctionalInterface
public interface WarningListener {
  void onWarning(WarningKind kind);

  WarningListener NONE = kind -> { };
}
