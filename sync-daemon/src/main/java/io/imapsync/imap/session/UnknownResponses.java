package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses we do not model are never fatal; each kind (host and first word) is logged once, so a
 * server that repeats one every few seconds cannot flood the log. Bounded: at most 1,000 kinds.
 */
final class UnknownResponses {
  private static final Logger log = LoggerFactory.getLogger(UnknownResponses.class);
  private static final int MAX_KINDS = 1_000;
  private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

  private UnknownResponses() {}

  static void logOnce(ImapEndpoint endpoint, ImapResponse.Unknown response) {
    String raw = response.raw();
    int sp = raw.indexOf(' ', raw.startsWith("* ") ? 2 : 0);
    String word = (sp < 0 ? raw : raw.substring(0, sp)).toUpperCase(Locale.ROOT);
    String kind = endpoint.host() + " " + (word.length() > 40 ? word.substring(0, 40) : word);
    if (SEEN.size() < MAX_KINDS && SEEN.add(kind)) {
      log.info("{}: unknown response kept raw (logged once per kind): {}", endpoint, raw);
    }
  }
}
