package io.imapsync.admin;

import java.util.List;
import java.util.Map;

/**
 * Requests under {@code /v1/} of an admin endpoint (the coordinator's fleet API). Called on the
 * worker pool, never on an event loop: an implementation may block on Redis.
 */
public interface AdminApi {
  /** The answer: an HTTP status and a body serialized as JSON. */
  record Answer(int status, Object body) {}

  /**
   * @param method GET or POST
   * @param path the full path, {@code /v1/...}
   * @param query decoded query parameters
   * @param remote who asked (address), for the audit list
   */
  Answer handle(String method, String path, Map<String, List<String>> query, String remote);
}
