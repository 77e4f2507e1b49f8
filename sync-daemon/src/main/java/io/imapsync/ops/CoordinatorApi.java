package io.imapsync.ops;

import io.imapsync.admin.AdminApi;
import io.imapsync.coordinator.cluster.Coordinator;
import io.imapsync.coordinator.cluster.OwnerChange;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The coordinator's admin API: the same commands as {@code syncctl}, over authenticated HTTP.
 *
 * <pre>
 * GET  /v1/status                         this coordinator: leader or standby, version, pending moves
 * GET  /v1/nodes                          as syncctl nodes --json
 * GET  /v1/assignment[?accounts=true]     as syncctl assignment --json
 * POST /v1/rebalance[?dry_run=true]       the moves, and (unless a dry run) asks for them
 * POST /v1/nodes/NODE/drain | undrain
 * POST /v1/nodes/NODE/weight?value=W
 * POST /v1/accounts/ACCOUNT/move?to=NODE | unpin | pause | resume
 * </pre>
 */
public final class CoordinatorApi implements AdminApi {
  private static final Pattern NODE = Pattern.compile("/v1/nodes/([^/]+)/(drain|undrain|weight)");
  private static final Pattern ACCOUNT = Pattern.compile("/v1/accounts/([^/]+)/(move|unpin|pause|resume)");

  private final RedisClusterCommands<String, String> redis;
  private final KeyLayout layout;
  private final Coordinator coordinator;
  private final double loadFactor;

  public CoordinatorApi(RedisClusterCommands<String, String> redis, KeyLayout layout, Coordinator coordinator,
      double loadFactor) {
    this.redis = redis;
    this.layout = layout;
    this.coordinator = coordinator;
    this.loadFactor = loadFactor;
  }

  @Override
  public Answer handle(String method, String path, Map<String, List<String>> query, String remote) {
    FleetControl fleet = new FleetControl(redis, layout, "admin-api " + remote);
    try {
      if (method.equals("GET")) {
        return switch (path) {
          case "/v1/status" -> ok(status());
          case "/v1/nodes" -> ok(fleet.nodes());
          case "/v1/assignment" -> ok(FleetControl.summary(fleet.assignment(), "true".equals(param(query, "accounts"))));
          default -> notFound(path);
        };
      }
      if (!method.equals("POST")) {
        return new Answer(405, Map.of("error", "GET or POST only"));
      }
      if (path.equals("/v1/rebalance")) {
        boolean dry = "true".equals(param(query, "dry_run"));
        List<OwnerChange> plan = fleet.rebalance(dry, loadFactor);
        return ok(Map.of("dry_run", dry, "count", plan.size(), "moves", plan.stream().map(OwnerChange::toString).toList()));
      }
      Matcher n = NODE.matcher(path);
      if (n.matches()) {
        String node = n.group(1);
        String outcome = switch (n.group(2)) {
          case "drain" -> fleet.drain(node);
          case "undrain" -> fleet.undrain(node);
          default -> fleet.weight(node, Double.parseDouble(required(query, "value")));
        };
        return ok(Map.of("outcome", outcome));
      }
      Matcher a = ACCOUNT.matcher(path);
      if (a.matches()) {
        String account = a.group(1);
        String outcome = switch (a.group(2)) {
          case "move" -> fleet.move(account, required(query, "to"));
          case "unpin" -> fleet.unpin(account);
          case "pause" -> fleet.pause(account);
          default -> fleet.resume(account);
        };
        return ok(Map.of("outcome", outcome));
      }
      return notFound(path);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return new Answer(400, Map.of("error", e.getMessage()));
    }
  }

  private Map<String, Object> status() {
    Coordinator.Status s = coordinator.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", coordinator.id());
    out.put("role", s.leader() ? "leader" : "standby");
    out.put("version", s.version());
    out.put("accounts", s.accounts());
    out.put("pending_moves", s.pendingMoves());
    out.put("problem", s.problem());
    return out;
  }

  private static String param(Map<String, List<String>> query, String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String required(Map<String, List<String>> query, String name) {
    String v = param(query, name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("query parameter '" + name + "' is required");
    }
    return v;
  }

  private static Answer ok(Object body) {
    return new Answer(200, body);
  }

  private static Answer notFound(String path) {
    return new Answer(404, Map.of("error", "no such endpoint: " + path));
  }
}
