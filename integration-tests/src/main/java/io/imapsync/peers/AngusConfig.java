package io.imapsync.peers;

import java.util.Properties;

/** Session properties both Angus peers start from: plain IMAP, as an application would set them. */
final class AngusConfig {
  private AngusConfig() {}

  static Properties properties() {
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "10000");
    // No mail.imap.timeout: a read timeout would end IDLE (the blocking loop) and makes IdleManager
    // send DONE on an extra thread; an application watching for push leaves it unset.
    p.put("mail.imap.auth.plain.disable", "true"); // LOGIN, as the daemon and ImapFlow use
    return p;
  }
}
