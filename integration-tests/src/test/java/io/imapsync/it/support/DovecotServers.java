package io.imapsync.it.support;

import org.junit.jupiter.api.Assumptions;

/** How tests start a {@link DovecotServer}: skipped on a developer machine without Dovecot, a failure under CI. */
public final class DovecotServers {
  private DovecotServers() {}

  public static DovecotServer startForTest(DovecotServer.Options options) {
    return startForTest(options, "true".equalsIgnoreCase(System.getenv("CI")));
  }

  static DovecotServer startForTest(DovecotServer.Options options, boolean underCi) {
    try {
      return DovecotServer.start(options);
    } catch (DovecotServer.NotInstalledException e) {
      if (underCi) {
        throw e;
      }
      Assumptions.abort(e.getMessage());
      throw e; // unreachable: abort always throws
    }
  }
}
