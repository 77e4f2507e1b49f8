package io.imapsync.loadsim;

/**
 * Told of every change right after it became visible, on the thread that made it (the
 * scheduler, an API caller, or an event loop for a client's STORE or EXPUNGE): keep it quick and
 * never block.
 */
@FunctionalInterface
public interface ChangeListener {
  ChangeListener NONE = c -> {};

  void onChange(Change change);
}
