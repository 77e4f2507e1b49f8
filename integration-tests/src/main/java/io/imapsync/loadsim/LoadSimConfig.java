package io.imapsync.loadsim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link LoadSimulator} is started with; immutable, built with {@link #builder()}
 * and checked when built. The population (users, folders, initial messages, UIDVALIDITY) and the
 * change schedule are functions of {@code seed}, {@code mailboxes}, the rates and
 * {@code startAtMillis} alone, so processes started with the same values and different
 * {@code processIndex} serve disjoint slices of one population and one schedule.
 */
public final class LoadSimConfig {
  public static final int DEFAULT_MAILBOXES = 1_000;
  public static final String DEFAULT_USER_PREFIX = "user";
  public static final String DEFAULT_PASSWORD = "pw";
  public static final List<FolderSpec> DEFAULT_FOLDERS =
      List.of(FolderSpec.of("Sent"), FolderSpec.of("Archive"), FolderSpec.of("Trash"));
  public static final int DEFAULT_INBOX_MESSAGES = 20;
  public static final int DEFAULT_OTHER_FOLDER_MESSAGES = 5;
  public static final List<String> DEFAULT_BIND = List.of("127.0.0.1");
  public static final long DEFAULT_SEED = 1;
  /** Long enough for the UID sets of a UID FETCH of a big folder, small next to a socket buffer. */
  public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
  /** LOGIN and AUTHENTICATE literals are tiny; there is no APPEND to need more. */
  public static final int DEFAULT_MAX_LITERAL_SIZE = 64 * 1024;
  public static final int DEFAULT_MAX_COMMAND_SIZE = 256 * 1024;

  /** How scheduled changes are spaced in time. */
  public enum Arrivals {
    /** Exactly 1/rate apart. */
    UNIFORM,
    /** Exponentially distributed gaps with mean 1/rate (a Poisson process), seeded. */
    POISSON
  }

  private final int mailboxes;
  private final String userPrefix;
  private final String password;
  private final List<FolderSpec> folders;
  private final int inboxMessages;
  private final int otherFolderMessages;
  private final int port;
  private final List<String> bindAddresses;
  private final double deliveryRate;
  private final double flagRate;
  private final double expungeRate;
  private final Arrivals arrivals;
  private final Duration scheduleDuration;
  private final long seed;
  private final long startAtMillis;
  private final int processIndex;
  private final int processCount;
  private final int ioThreads;
  private final Path corpus;
  private final ChangeListener listener;
  private final int maxLineLength;
  private final int maxLiteralSize;
  private final int maxCommandSize;
  private final io.netty.handler.ssl.SslContext tls;

  private LoadSimConfig(Builder b) {
    this.mailboxes = b.mailboxes;
    this.userPrefix = b.userPrefix;
    this.password = b.password;
    this.folders = List.copyOf(b.folders);
    this.inboxMessages = b.inboxMessages;
    this.otherFolderMessages = b.otherFolderMessages;
    this.port = b.port;
    this.bindAddresses = List.copyOf(b.bindAddresses);
    this.deliveryRate = b.deliveryRate;
    this.flagRate = b.flagRate;
    this.expungeRate = b.expungeRate;
    this.arrivals = b.arrivals;
    this.scheduleDuration = b.scheduleDuration;
    this.seed = b.seed;
    this.startAtMillis = b.startAtMillis;
    this.processIndex = b.processIndex;
    this.processCount = b.processCount;
    this.ioThreads = b.ioThreads;
    this.corpus = b.corpus;
    this.listener = b.listener;
    this.maxLineLength = b.maxLineLength;
    this.maxLiteralSize = b.maxLiteralSize;
    this.maxCommandSize = b.maxCommandSize;
    this.tls = b.tls;
  }

  /** Implicit TLS on every listener (IMAPS), or null for plain IMAP. */
  public io.netty.handler.ssl.SslContext tls() {
    return tls;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder mutate() {
    Builder b = new Builder();
    b.mailboxes = mailboxes;
    b.userPrefix = userPrefix;
    b.password = password;
    b.folders = folders;
    b.inboxMessages = inboxMessages;
    b.otherFolderMessages = otherFolderMessages;
    b.port = port;
    b.bindAddresses = bindAddresses;
    b.deliveryRate = deliveryRate;
    b.flagRate = flagRate;
    b.expungeRate = expungeRate;
    b.arrivals = arrivals;
    b.scheduleDuration = scheduleDuration;
    b.seed = seed;
    b.startAtMillis = startAtMillis;
    b.processIndex = processIndex;
    b.processCount = processCount;
    b.ioThreads = ioThreads;
    b.corpus = corpus;
    b.listener = listener;
    b.maxLineLength = maxLineLength;
    b.maxLiteralSize = maxLiteralSize;
    b.maxCommandSize = maxCommandSize;
    b.tls = tls;
    return b;
  }

  /** Users {@code prefix00001} to {@code prefixNNNNN}, all processes together. */
  public int mailboxes() {
    return mailboxes;
  }

  public String userPrefix() {
    return userPrefix;
  }

  /** Every user's password. */
  public String password() {
    return password;
  }

  /** The folders besides INBOX. */
  public List<FolderSpec> folders() {
    return folders;
  }

  public int inboxMessages() {
    return inboxMessages;
  }

  public int otherFolderMessages() {
    return otherFolderMessages;
  }

  /** 0 picks a free port (the same on every bind address). */
  public int port() {
    return port;
  }

  public List<String> bindAddresses() {
    return bindAddresses;
  }

  /** Scheduled deliveries per second, all processes together; 0 for none. */
  public double deliveryRate() {
    return deliveryRate;
  }

  /** Scheduled flag changes per second, all processes together; 0 for none. */
  public double flagRate() {
    return flagRate;
  }

  /** Scheduled expunges per second, all processes together; 0 for none. */
  public double expungeRate() {
    return expungeRate;
  }

  public Arrivals arrivals() {
    return arrivals;
  }

  /** How long after {@link #startAtMillis()} the schedule runs; null for as long as the simulator does. */
  public Duration scheduleDuration() {
    return scheduleDuration;
  }

  public long seed() {
    return seed;
  }

  /** Epoch millis the schedule counts from and UIDVALIDITY derives from; 0 means "when started". */
  public long startAtMillis() {
    return startAtMillis;
  }

  public int processIndex() {
    return processIndex;
  }

  public int processCount() {
    return processCount;
  }

  public int ioThreads() {
    return ioThreads;
  }

  /** A directory of .eml files and mbox files whose messages replace the generated ones, or null. */
  public Path corpus() {
    return corpus;
  }

  public ChangeListener listener() {
    return listener;
  }

  public int maxLineLength() {
    return maxLineLength;
  }

  public int maxLiteralSize() {
    return maxLiteralSize;
  }

  public int maxCommandSize() {
    return maxCommandSize;
  }

  /** Says what matters for a run; never the password. */
  @Override
  public String toString() {
    return "LoadSimConfig[mailboxes=" + mailboxes + ", users=" + userPrefix + "*, folders=INBOX+" + folders.size()
        + ", messages=" + inboxMessages + "/" + otherFolderMessages + ", port=" + port + ", bind=" + bindAddresses
        + ", rates(delivery/flag/expunge)=" + deliveryRate + "/" + flagRate + "/" + expungeRate + " " + arrivals
        + ", seed=" + seed + ", process=" + processIndex + "/" + processCount + "]";
  }

  public static final class Builder {
    private int mailboxes = DEFAULT_MAILBOXES;
    private String userPrefix = DEFAULT_USER_PREFIX;
    private String password = DEFAULT_PASSWORD;
    private List<FolderSpec> folders = DEFAULT_FOLDERS;
    private int inboxMessages = DEFAULT_INBOX_MESSAGES;
    private int otherFolderMessages = DEFAULT_OTHER_FOLDER_MESSAGES;
    private int port;
    private List<String> bindAddresses = DEFAULT_BIND;
    private double deliveryRate;
    private double flagRate;
    private double expungeRate;
    private Arrivals arrivals = Arrivals.UNIFORM;
    private Duration scheduleDuration;
    private long seed = DEFAULT_SEED;
    private long startAtMillis;
    private int processIndex;
    private int processCount = 1;
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private Path corpus;
    private ChangeListener listener = ChangeListener.NONE;
    private int maxLineLength = DEFAULT_MAX_LINE_LENGTH;
    private int maxLiteralSize = DEFAULT_MAX_LITERAL_SIZE;
    private int maxCommandSize = DEFAULT_MAX_COMMAND_SIZE;
    private io.netty.handler.ssl.SslContext tls;

    private Builder() {}

    /** Implicit TLS with this server context (null: plain). */
    public Builder tls(io.netty.handler.ssl.SslContext context) {
      this.tls = context;
      return this;
    }

    public Builder mailboxes(int n) {
      this.mailboxes = n;
      return this;
    }

    public Builder userPrefix(String prefix) {
      this.userPrefix = prefix;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    public Builder folders(List<FolderSpec> folders) {
      this.folders = folders;
      return this;
    }

    public Builder inboxMessages(int n) {
      this.inboxMessages = n;
      return this;
    }

    public Builder otherFolderMessages(int n) {
      this.otherFolderMessages = n;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder bindAddresses(List<String> addresses) {
      this.bindAddresses = addresses;
      return this;
    }

    public Builder deliveryRate(double perSecond) {
      this.deliveryRate = perSecond;
      return this;
    }

    public Builder flagRate(double perSecond) {
      this.flagRate = perSecond;
      return this;
    }

    public Builder expungeRate(double perSecond) {
      this.expungeRate = perSecond;
      return this;
    }

    public Builder arrivals(Arrivals arrivals) {
      this.arrivals = arrivals;
      return this;
    }

    public Builder scheduleDuration(Duration d) {
      this.scheduleDuration = d;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder startAtMillis(long epochMillis) {
      this.startAtMillis = epochMillis;
      return this;
    }

    public Builder process(int index, int count) {
      this.processIndex = index;
      this.processCount = count;
      return this;
    }

    public Builder ioThreads(int n) {
      this.ioThreads = n;
      return this;
    }

    public Builder corpus(Path dir) {
      this.corpus = dir;
      return this;
    }

    public Builder listener(ChangeListener listener) {
      this.listener = listener;
      return this;
    }

    public Builder maxLineLength(int n) {
      this.maxLineLength = n;
      return this;
    }

    public Builder maxLiteralSize(int n) {
      this.maxLiteralSize = n;
      return this;
    }

    public Builder maxCommandSize(int n) {
      this.maxCommandSize = n;
      return this;
    }

    public LoadSimConfig build() {
      check(mailboxes >= 1 && mailboxes <= 99_999_999, "mailboxes must be 1 to 99,999,999: " + mailboxes);
      Objects.requireNonNull(userPrefix, "userPrefix");
      // Letters, digits, '.', '_' and '-' only: the prefix is also the local part of the user's address.
      check(userPrefix.matches("[A-Za-z0-9._-]{1,40}") && !Character.isDigit(userPrefix.charAt(userPrefix.length() - 1)),
          "user prefix must be 1 to 40 of A-Z a-z 0-9 . _ - and must not end in a digit: " + userPrefix);
      Objects.requireNonNull(password, "password");
      check(password.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0), "password must not contain CR, LF or NUL");
      Objects.requireNonNull(folders, "folders");
      check(folders.size() <= 30, "at most 30 folders besides INBOX: " + folders.size());
      check(folders.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).distinct().count() == folders.size(),
          "folder names must differ (case-insensitively)");
      check(inboxMessages >= 0 && inboxMessages <= 1_000_000, "inboxMessages must be 0 to 1,000,000");
      check(otherFolderMessages >= 0 && otherFolderMessages <= 1_000_000, "otherFolderMessages must be 0 to 1,000,000");
      check(port >= 0 && port <= 65535, "port must be 0 to 65535: " + port);
      check(bindAddresses != null && !bindAddresses.isEmpty(), "at least one bind address");
      check(deliveryRate >= 0 && flagRate >= 0 && expungeRate >= 0 && Double.isFinite(deliveryRate + flagRate + expungeRate),
          "rates must be finite and not negative");
      Objects.requireNonNull(arrivals, "arrivals");
      check(scheduleDuration == null || !scheduleDuration.isNegative(), "schedule duration must not be negative");
      check(startAtMillis >= 0, "startAtMillis must not be negative");
      check(processCount >= 1 && processIndex >= 0 && processIndex < processCount,
          "process index must be 0 to count-1: " + processIndex + " of " + processCount);
      check(ioThreads >= 1 && ioThreads <= 256, "ioThreads must be 1 to 256");
      Objects.requireNonNull(listener, "listener");
      check(maxLineLength >= 1024, "maxLineLength must be at least 1024");
      check(maxLiteralSize >= 0, "maxLiteralSize must not be negative");
      check(maxCommandSize >= maxLineLength, "maxCommandSize must be at least maxLineLength");
      return new LoadSimConfig(this);
    }

    private static void check(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
