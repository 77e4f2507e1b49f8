package io.imapsync.loadsim;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What every session of one simulator shares: the population, the mail store, the generator,
 * the counters, the open channels, and the switches tests flip (refuse logins, stall or
 * blackhole users, accept without greeting).
 */
final class ServerContext {
  /** What the simulator does with a user's connections once it knows whose they are. */
  enum Mode {
    NORMAL,
    /** Read commands, answer nothing, push nothing. */
    STALL,
    /** Stop reading (the client's writes fill the socket buffers) and answer nothing. */
    BLACKHOLE
  }

  final Population population;
  final MailStore store;
  final MessageGenerator generator;
  final ConnectionStats stats;
  final String password;
  final int maxLineLength;
  final int maxLiteralSize;
  final int maxCommandSize;
  final ChannelGroup channels = new DefaultChannelGroup("loadsim", GlobalEventExecutor.INSTANCE);
  private final Map<Integer, Mode> modes = new ConcurrentHashMap<>();
  volatile Predicate<String> refuseLogins = user -> false;
  volatile boolean silentAccept;
  volatile boolean refuseConnections;

  ServerContext(LoadSimConfig config, Population population, MailStore store, MessageGenerator generator) {
    this.population = population;
    this.store = store;
    this.generator = generator;
    this.stats = new ConnectionStats(population.mailboxes);
    this.password = config.password();
    this.maxLineLength = config.maxLineLength();
    this.maxLiteralSize = config.maxLiteralSize();
    this.maxCommandSize = config.maxCommandSize();
  }

  Mode modeOf(int user) {
    return modes.isEmpty() ? Mode.NORMAL : modes.getOrDefault(user, Mode.NORMAL);
  }

  void setMode(int user, Mode mode) {
    if (mode == Mode.NORMAL) {
      modes.remove(user);
    } else {
      modes.put(user, mode);
    }
  }
}
