package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak detector at PARANOID (every buffer tracked), with its reports captured so a test
 * can fail on them instead of only logging. Netty reports a leak when a tracked buffer that was
 * never released is garbage collected, so {@link #assertNoLeaksReported()} forces collections and
 * then allocates, which makes the detector drain its queue.
 */
final class LeakWatch {
  private static final ListAppender<ILoggingEvent> REPORTS = new ListAppender<>();
  private static ResourceLeakDetector.Level previous;

  private LeakWatch() {}

  static synchronized void paranoid() {
    previous = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    if (!REPORTS.isStarted()) {
      Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
      REPORTS.start();
      logger.addAppender(REPORTS);
    }
    REPORTS.list.clear();
  }

  static synchronized void restore() {
    if (previous != null) {
      ResourceLeakDetector.setLevel(previous);
    }
  }

  static void assertNoLeaksReported() throws InterruptedException {
    UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, false);
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(25);
      ByteBuf probe = alloc.directBuffer(8); // track() drains the reference queue and reports
      probe.release();
    }
    List<String> leaks;
    synchronized (LeakWatch.class) {
      leaks = REPORTS.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) && e.getFormattedMessage().contains("LEAK"))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
    assertEquals(List.of(), leaks, "Netty reported leaked buffers");
  }
}
