package io.imapsync.cli;

import io.imapsync.accounts.AuditLog;
import io.imapsync.coordinator.assignment.BoundedLoadRendezvous;
import io.imapsync.coordinator.cluster.NodeStatus;
import io.imapsync.coordinator.cluster.OwnerChange;
import io.imapsync.coordinator.cluster.PublishedAssignment;
import io.imapsync.model.Json;
import io.imapsync.ops.FleetControl;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code syncctl nodes | assignment | rebalance | drain | undrain | move | weight}: the fleet, for ops. */
final class FleetCommands {
  private FleetCommands() {}

  interface FleetAction {
    int run(FleetControl fleet) throws Exception;
  }

  static int withFleet(RedisOptions redis, FleetAction action) throws Exception {
    return redis.withConnection((c, layout) -> {
      try {
        return action.run(new FleetControl(c.sync(), layout, AuditLog.currentOperator()));
      } catch (IllegalArgumentException | IllegalStateException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
    });
  }

  @Command(name = "nodes", mixinStandardHelpOptions = true,
      description = "Lists the fleet's nodes: state, weight, accounts assigned and running, connections, lease age.")
  static final class Nodes implements Callable<Integer> {
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();
    @Option(names = "--json", description = "Print JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> {
        List<NodeStatus> nodes = fleet.nodes();
        if (json) {
          System.out.println(Json.write(nodes));
          return 0;
        }
        System.out.printf("%-20s %-9s %7s %8s %8s %7s %10s  %s%n", "NODE", "STATE", "WEIGHT", "ASSIGNED", "RUNNING",
            "CONNS", "LEASE-AGE", "HOST/PID");
        for (NodeStatus n : nodes) {
          System.out.printf("%-20s %-9s %7s %8d %8s %7s %10s  %s/%d%n", n.id(), n.state(),
              n.effectiveWeight() == n.weight() ? fmt(n.weight()) : fmt(n.effectiveWeight()) + "(" + fmt(n.weight()) + ")",
              n.assigned(), n.running() < 0 ? "-" : Integer.toString(n.running()),
              n.connections() < 0 ? "-" : Integer.toString(n.connections()),
              n.leaseAgeMillis() < 0 ? "expired" : n.leaseAgeMillis() + " ms", n.host(), n.pid());
        }
        if (nodes.isEmpty()) {
          System.out.println("(no node has joined: start daemons with --node-id)");
        }
        return 0;
      });
    }
  }

  @Command(name = "assignment", aliases = "shards", mixinStandardHelpOptions = true,
      description = "Shows who owns what: the published assignment's version, accounts per node, and with"
          + " --accounts every account's owner.")
  static final class Assignment implements Callable<Integer> {
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();
    @Option(names = "--accounts", description = "Also list every account and its node.") boolean accounts;
    @Option(names = "--json", description = "Print JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> {
        PublishedAssignment a = fleet.assignment();
        if (json) {
          System.out.println(Json.write(FleetControl.summary(a, accounts)));
          return 0;
        }
        System.out.println("assignment version " + a.version() + " by " + (a.leader().isEmpty() ? "-" : a.leader())
            + ", " + a.owners().size() + " accounts");
        a.counts().forEach((node, n) -> System.out.printf("  %-20s %7d%n", node, n));
        if (accounts) {
          a.owners().forEach((account, node) -> System.out.println(account + " " + node));
        }
        return 0;
      });
    }
  }

  @Command(name = "rebalance", mixinStandardHelpOptions = true,
      description = "Shows the moves a fresh assignment would make and asks the coordinator to make them"
          + " (at its move rate). With --dry-run it only shows them.")
  static final class Rebalance implements Callable<Integer> {
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();
    @Option(names = "--dry-run", description = "Show the moves, change nothing.") boolean dryRun;
    @Option(names = "--load-factor", defaultValue = "" + BoundedLoadRendezvous.DEFAULT_LOAD_FACTOR,
        description = "The coordinator's c (default: ${DEFAULT-VALUE}).") double loadFactor;

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> {
        List<OwnerChange> plan = fleet.rebalance(dryRun, loadFactor);
        for (OwnerChange c : plan) {
          System.out.println(c);
        }
        System.out.println(plan.size() + " move(s)" + (dryRun ? " (dry run: nothing changed)"
            : plan.isEmpty() ? "" : " requested; the coordinator makes them at its move rate"));
        return 0;
      });
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = "Moves every account off a node (weight 0), gracefully and at the move rate.")
  static final class Drain implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE") String node;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.drain(node)));
    }
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true, description = "Lets a drained node take accounts again.")
  static final class Undrain implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE") String node;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.undrain(node)));
    }
  }

  @Command(name = "forget", mixinStandardHelpOptions = true,
      description = "Removes a dead node from 'nodes' (a live one is refused).")
  static final class Forget implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE") String node;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.forget(node)));
    }
  }

  @Command(name = "weight", mixinStandardHelpOptions = true,
      description = "Sets a node's capacity weight (overrides the one it registered with).")
  static final class Weight implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE") String node;
    @Parameters(index = "1", paramLabel = "W") double weight;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.weight(node, weight)));
    }
  }

  @Command(name = "move", mixinStandardHelpOptions = true,
      description = "Moves an account to a node and keeps it there (until --unpin).")
  static final class Move implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACCOUNT") String account;
    @Option(names = "--to", paramLabel = "NODE", description = "The node to move it to.") String to;
    @Option(names = "--unpin", description = "Let the coordinator place it again.") boolean unpin;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      if ((to == null) == !unpin) {
        System.err.println("error: give either --to NODE or --unpin");
        return 2;
      }
      return withFleet(redis, fleet -> print(unpin ? fleet.unpin(account) : fleet.move(account, to)));
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stops syncing an account (its data stays).")
  static final class Pause implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACCOUNT") String account;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.pause(account)));
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a paused account from its checkpoints.")
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACCOUNT") String account;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withFleet(redis, fleet -> print(fleet.resume(account)));
    }
  }

  private static int print(String outcome) {
    System.out.println(outcome);
    return 0;
  }

  private static String fmt(double w) {
    return w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w);
  }
}
