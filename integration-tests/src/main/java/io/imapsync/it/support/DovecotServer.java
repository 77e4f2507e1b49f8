package io.imapsync.it.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A real, private Dovecot for integration tests and benchmarks (tests start it through
 * {@code DovecotServers.startForTest}, which skips locally when Dovecot is not installed): its own temp BASE directory, its own config, a
 * free loopback port, passwd-file users, maildir mail. Start one per test (30-80 ms plain, about
 * 100 ms with TLS, which generates a throwaway CA; closing takes a few ms), use it, close it.
 *
 * <pre>{@code
 * try (DovecotServer dovecot = DovecotServer.start(DovecotServer.options().user("alice", "pw"))) {
 *   ImapEndpoint e = ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE);
 *   dovecot.deliver("alice", message);
 * }
 * }</pre>
 *
 * <p>Layout of BASE: {@code dovecot.conf}, {@code users} (passwd-file), {@code mail/USER} (maildir,
 * owned by {@code nobody}: Dovecot refuses to serve mail as root), {@code run/} (base_dir and
 * state_dir: sockets, master.pid), {@code tls/} (CA and server certificate), {@code dovecot.log}.
 *
 * <p>Dovecot is run in the foreground ({@code dovecot -F}) as our child process, so its lifetime is
 * tied to this object; {@link #close()} kills it and everything it spawned, then deletes BASE.
 */
public final class DovecotServer implements AutoCloseable {
  /** Loopback only: a test server must never be reachable from anywhere else. */
  public static final String HOST = "127.0.0.1";
  /** The host name the TLS certificate is issued for (also valid: IP 127.0.0.1). */
  public static final String TLS_HOST_NAME = "localhost";
  static final String INSTALL_HINT = "run .ci/install-test-deps (as root) to install Dovecot";

  /** {@code -Ddovecot.keepBase=true} keeps BASE (config, log, maildirs) after close, for debugging. */
  public static final String KEEP_BASE_PROPERTY = "dovecot.keepBase";

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
  private static final Pattern SAFE_USER = Pattern.compile("[A-Za-z0-9._@+-]+");
  private static final int PORT_ATTEMPTS = 3;

  private final Options options;
  private final Path base;
  private final Path config;
  private final Path usersFile;
  private final Path log;
  private final Path stdout;
  private final Path tlsDir;
  private final Map<String, String> users;
  private final Thread shutdownHook;
  private Process process;
  private int port;
  private int tlsPort = -1;
  private boolean closed;

  /** Fluent options; every setter returns this. */
  public static final class Options {
    private final Map<String, String> users = new LinkedHashMap<>();
    private boolean tls;
    private String imapCapability;
    private boolean compression;
    private int maxUserIpConnections = 10; // Dovecot's own default
    private boolean specialUse;
    private Duration startTimeout = Duration.ofSeconds(10);
    private Path dovecotBinary;

    /** A user that exists from the start (more can be added later: {@link DovecotServer#addUser}). */
    public Options user(String name, String password) {
      checkUser(name, password);
      users.put(name, password);
      return this;
    }

    /**
     * TLS with a throwaway test CA: implicit TLS on {@link DovecotServer#tlsPort()}, and STARTTLS
     * offered on the plain port. Clients trust {@link DovecotServer#caPemPath()}.
     */
    public Options tls(boolean on) {
      this.tls = on;
      return this;
    }

    /**
     * Replaces Dovecot's advertised capabilities (pre- and post-login) with this fixed list, to
     * exercise fallback paths, e.g. {@code "IMAP4rev1 LITERAL+ IDLE"} hides CONDSTORE, QRESYNC and
     * NOTIFY. Dovecot still adds STARTTLS/AUTH= before login. Null restores the default.
     */
    public Options imapCapability(String capabilities) {
      if (capabilities != null && (capabilities.isBlank() || capabilities.matches("(?s).*[\\r\\n].*"))) {
        throw new IllegalArgumentException("imap_capability must be one non-blank line");
      }
      this.imapCapability = capabilities;
      return this;
    }

    /**
     * Sent, Drafts, Archive, Junk and Trash created for every user, with their SPECIAL-USE
     * attributes (RFC 6154), as a provider's account has them.
     */
    public Options specialUse(boolean on) {
      this.specialUse = on;
      return this;
    }

    /** COMPRESS=DEFLATE (RFC 4978) through the zlib and imap_zlib plugins. */
    public Options compression(boolean on) {
      this.compression = on;
      return this;
    }

    /** Dovecot's mail_max_userip_connections (default 10): concurrent sessions per user and IP. */
    public Options maxUserIpConnections(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxUserIpConnections must be >= 1");
      }
      this.maxUserIpConnections = max;
      return this;
    }

    public Options startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Only for testing the harness itself: the dovecot binary to run instead of the installed one. */
    Options dovecotBinary(Path binary) {
      this.dovecotBinary = binary;
      return this;
    }
  }

  /** Thrown when Dovecot (or the openssl CLI, for TLS) is not installed on this machine. */
  public static final class NotInstalledException extends IllegalStateException {
    NotInstalledException(String message) {
      super(message);
    }
  }

  public static Options options() {
    return new Options();
  }

  /**
   * {@link #start} for tests: when Dovecot is not installed the test is skipped (JUnit assumption)
   * on a developer machine, but fails under CI ({@code CI=true}), where a missing server must not
   * turn a red suite silently green.
   */
  /**
   * Starts a private Dovecot and returns once it greets on its port (so auth is up too).
   *
   * @throws NotInstalledException when dovecot (or openssl for TLS) is missing
   * @throws IllegalStateException when it does not come up; the message holds its log's tail
   */
  public static DovecotServer start(Options options) {
    Objects.requireNonNull(options, "options");
    Path dovecot = options.dovecotBinary != null ? options.dovecotBinary : findExecutable("dovecot");
    if (dovecot == null || !Files.isExecutable(dovecot)) {
      throw new NotInstalledException("Dovecot is not installed (no executable 'dovecot' in PATH, "
          + "/usr/sbin or /usr/local/sbin): " + INSTALL_HINT);
    }
    if (options.tls && findExecutable("openssl") == null) {
      throw new NotInstalledException("the openssl CLI is needed for a TLS test server: " + INSTALL_HINT);
    }
    DovecotServer server = new DovecotServer(options);
    try {
      server.prepare();
      server.launch(dovecot);
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  private DovecotServer(Options options) {
    this.options = options;
    this.users = new LinkedHashMap<>(options.users);
    try {
      this.base = Files.createTempDirectory("dovecot-it-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.config = base.resolve("dovecot.conf");
    this.usersFile = base.resolve("users");
    this.log = base.resolve("dovecot.log");
    this.stdout = base.resolve("dovecot.stdout");
    this.tlsDir = base.resolve("tls");
    // A test JVM that dies without close() must not leave a Dovecot behind.
    this.shutdownHook = new Thread(this::kill, "dovecot-it-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  // ---- accessors -------------------------------------------------------------------------------

  public String host() {
    return HOST;
  }

  /** The plain IMAP port (offers STARTTLS when TLS is on). */
  public int port() {
    return port;
  }

  /** The implicit-TLS (imaps) port; only with {@link Options#tls(boolean)}. */
  public int tlsPort() {
    requireTls();
    return tlsPort;
  }

  /** PEM of the throwaway CA that issued the server certificate: what clients must trust. */
  public Path caPemPath() {
    requireTls();
    return tlsDir.resolve("ca.pem");
  }

  /** The user's maildir (INBOX lives at its root: cur/, new/, tmp/). */
  public Path maildir(String user) {
    checkUser(user, "x");
    return base.resolve("mail").resolve(user);
  }

  public Path baseDir() {
    return base;
  }

  public Path logFile() {
    return log;
  }

  /** Dovecot's main process, for tests that want to watch it. */
  public ProcessHandle processHandle() {
    return process.toHandle();
  }

  // ---- operations ------------------------------------------------------------------------------

  /**
   * Adds (or changes) a user. While running, no reload is needed: Dovecot's passwd-file driver
   * stats the file on every lookup and re-reads it when it changed (the file grows, and is
   * replaced by rename, so the change is always seen).
   */
  public synchronized void addUser(String name, String password) {
    checkUser(name, password);
    users.put(name, password);
    writeUsers();
  }

  /** Delivers a message into the user's INBOX through Dovecot: IDLE sessions are notified. */
  public void deliver(String user, byte[] message) {
    deliver(user, "INBOX", message);
  }

  /**
   * Delivers through {@code doveadm save}, which goes through Dovecot's storage (index, uidlist,
   * notifications) as the mail user, and, unlike APPEND over IMAP, takes no connection slot of the
   * user's mail_max_userip_connections. Dovecot stores the message as given (LF or CRLF line ends
   * alike: IMAP FETCH serves it with CRLF).
   */
  public void deliver(String user, String mailbox, byte[] message) {
    checkUser(user, "x");
    Objects.requireNonNull(mailbox, "mailbox");
    Objects.requireNonNull(message, "message");
    Path doveadm = findExecutable("doveadm");
    if (doveadm == null) {
      throw new NotInstalledException("doveadm is missing: " + INSTALL_HINT);
    }
    run(List.of(doveadm.toString(), "-c", config.toString(), "save", "-u", user, "-m", mailbox),
        message, "doveadm save");
  }

  /** The last lines of Dovecot's log (and of its stdout/stderr), for failure messages. */
  public String logTail(int lines) {
    StringBuilder sb = new StringBuilder();
    for (Path p : List.of(stdout, log)) {
      List<String> all;
      try {
        all = Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
      } catch (IOException e) {
        all = List.of("(cannot read " + p + ": " + e + ")");
      }
      if (!all.isEmpty()) {
        sb.append("--- ").append(p.getFileName()).append(" ---\n");
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
      }
    }
    return sb.isEmpty() ? "(Dovecot wrote no log)" : sb.toString();
  }

  /** Kills Dovecot and all its processes, waits for them, deletes BASE. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or will run; nothing to undo
    }
    if (Boolean.getBoolean(KEEP_BASE_PROPERTY)) {
      System.err.println("DovecotServer: kept " + base + " (-D" + KEEP_BASE_PROPERTY + "=true)");
    } else {
      deleteRecursively(base);
    }
  }

  @Override
  public String toString() {
    return "DovecotServer[" + HOST + ":" + port + (tlsPort > 0 ? ", tls " + tlsPort : "") + ", " + base + "]";
  }

  // ---- start -----------------------------------------------------------------------------------

  private void prepare() {
    try {
      // BASE must be traversable by the unprivileged users Dovecot switches to (login, auth, mail).
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path mail = Files.createDirectories(base.resolve("mail"));
      MailOwner owner = mailOwner();
      if (owner.root) {
        UserPrincipalLookupService lookup = base.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(mail, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName(owner.user));
        view.setGroup(lookup.lookupPrincipalByGroupName(owner.group));
      }
      writeUsers();
      if (options.tls) {
        TestCertificates.create(tlsDir, COMMAND_TIMEOUT);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + base, e);
    }
  }

  private void launch(Path dovecot) {
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      int[] ports = freePorts(options.tls ? 2 : 1);
      port = ports[0];
      tlsPort = options.tls ? ports[1] : -1;
      try {
        Files.writeString(config, renderConfig(), StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(dovecot.toString(), "-F", "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(stdout.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        process = pb.start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start " + dovecot + ": " + e.getMessage(), e);
      }
      try {
        awaitReady();
        return;
      } catch (IllegalStateException e) {
        kill();
        // The free port was taken between our probe and Dovecot's bind: try other ports.
        if (!logTail(50).contains("Address already in use")) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  /**
   * Ready means the plain port sends its "* OK" greeting: imap-login holds the greeting back until
   * auth is up, so a greeting proves login will work. Polls with a deadline; each poll is short.
   */
  private void awaitReady() {
    long deadline = System.nanoTime() + options.startTimeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw failure("Dovecot exited with code " + process.exitValue() + " during start-up");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw failure("Dovecot did not greet on " + HOST + ":" + port + " within " + options.startTimeout);
      }
      if (greets(port, (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 500))
          && (tlsPort < 0 || accepts(tlsPort))) {
        if (!process.isAlive()) { // someone else's server on "our" port; ours died on bind
          throw failure("Dovecot exited with code " + process.exitValue() + " during start-up");
        }
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // refused connects return at once
    }
  }

  private static boolean greets(int port, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(HOST, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      InputStream in = s.getInputStream();
      byte[] start = in.readNBytes(4);
      return new String(start, StandardCharsets.US_ASCII).equals("* OK");
    } catch (SocketTimeoutException e) {
      return false; // greeting held back: auth not ready yet
    } catch (IOException e) {
      return false; // not listening yet
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(HOST, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private IllegalStateException failure(String what) {
    return new IllegalStateException(what + " (config " + config + ")\n" + logTail(30));
  }

  private String renderConfig() {
    String b = base.toString();
    MailOwner owner = mailOwner();
    StringBuilder c = new StringBuilder();
    c.append("# Written by DovecotServer (integration-test harness); see shared/FIELD-NOTES.md\n");
    c.append("base_dir = ").append(b).append("/run\n");
    c.append("state_dir = ").append(b).append("/run\n");
    c.append("log_path = ").append(log).append('\n');
    c.append("protocols = imap\n");
    c.append("listen = ").append(HOST).append('\n');
    c.append("disable_plaintext_auth = no\n"); // LOGIN on the plain port (loopback only)
    c.append("auth_mechanisms = plain login\n");
    c.append("auth_verbose = yes\n"); // failed logins explain themselves in the log
    c.append("default_internal_user = ").append(owner.internalUser).append('\n');
    c.append("default_login_user = ").append(owner.loginUser).append('\n');
    if (!owner.root) {
      // Some of Dovecot's built-in unix listeners are chown'ed to this group: it must be ours.
      c.append("default_internal_group = ").append(owner.group).append('\n');
    }
    c.append("first_valid_uid = 1\n");
    c.append("mail_location = maildir:").append(b).append("/mail/%u\n");
    c.append("mail_max_userip_connections = ").append(options.maxUserIpConnections).append('\n');
    if (options.specialUse) {
      c.append("namespace inbox {\n  inbox = yes\n");
      for (String[] m : new String[][] {{"Sent", "\\Sent"}, {"Drafts", "\\Drafts"}, {"Archive", "\\Archive"},
          {"Junk", "\\Junk"}, {"Trash", "\\Trash"}}) {
        c.append("  mailbox ").append(m[0]).append(" {\n    auto = create\n    special_use = ").append(m[1])
            .append("\n  }\n");
      }
      c.append("}\n");
    }
    c.append("mail_fsync = never\n"); // throwaway mail: no need to pay for fsync
    // IDLE is woken by inotify; should inotify be unavailable, poll every second, not every 30.
    c.append("mailbox_idle_check_interval = 1 secs\n");
    // No stats process connections: one less thing to start and to hang on (its handshake times
    // out after 5 s when the stats process is already gone).
    c.append("stats_writer_socket_path =\n");
    if (options.imapCapability != null) {
      c.append("imap_capability = ").append(options.imapCapability).append('\n');
    }
    if (options.compression) {
      // imap_zlib only in imap: doveadm (used by deliver) cannot load an imap-only plugin.
      c.append("mail_plugins = $mail_plugins zlib\n");
      c.append("protocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n");
    }
    if (options.tls) {
      c.append("ssl = yes\n");
      c.append("ssl_cert = <").append(tlsDir.resolve("server.pem")).append('\n');
      c.append("ssl_key = <").append(tlsDir.resolve("server.key")).append('\n');
    } else {
      c.append("ssl = no\n");
    }
    c.append("passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ")
        .append(usersFile).append("\n}\n");
    c.append("userdb {\n  driver = static\n  args = uid=").append(owner.user).append(" gid=")
        .append(owner.group).append(" home=").append(b).append("/mail/%u\n}\n");
    c.append("service imap-login {\n  chroot =\n");
    c.append("  inet_listener imap {\n    address = ").append(HOST).append("\n    port = ")
        .append(port).append("\n  }\n");
    c.append("  inet_listener imaps {\n    address = ").append(HOST).append("\n    port = ")
        .append(options.tls ? tlsPort : 0).append("\n  }\n}\n");
    c.append("service anvil {\n  chroot =\n}\n");
    return c.toString();
  }

  /**
   * Who runs what. As root (CI, the dev containers) mail is served as nobody:nogroup, since Dovecot
   * refuses root for mail; login and internal processes use Debian's dovenull/dovecot users. As an
   * ordinary user ("rootless" Dovecot, checked by hand with setpriv as nobody) every process can
   * only be that user.
   */
  private record MailOwner(String user, String group, String internalUser, String loginUser, boolean root) {}

  private MailOwner mailOwner() {
    try {
      PosixFileAttributes attrs = Files.readAttributes(base, PosixFileAttributes.class);
      if ((Integer) Files.getAttribute(base, "unix:uid") == 0) {
        return new MailOwner("nobody", "nogroup", "dovecot", "dovenull", true);
      }
      String me = attrs.owner().getName();
      GroupPrincipal group = attrs.group();
      return new MailOwner(me, group.getName(), me, me, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void writeUsers() {
    StringBuilder sb = new StringBuilder();
    users.forEach((name, pw) -> sb.append(name).append(":{PLAIN}").append(pw).append('\n'));
    try {
      // Written aside and renamed over: Dovecot never reads a half-written file.
      Path tmp = base.resolve("users.tmp");
      Files.writeString(tmp, sb, StandardCharsets.UTF_8);
      // Readable by the auth process, which runs as an unprivileged user.
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      try {
        Files.move(tmp, usersFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, usersFile, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + usersFile, e);
    }
  }

  // ---- stop ------------------------------------------------------------------------------------

  /**
   * SIGKILL, not SIGTERM: a graceful Dovecot stop takes over a second (the master keeps its log
   * process until last), and up to 6 s when a process was still starting. Nothing here needs to
   * survive. Children are snapshotted first: once the master is dead they are no longer its
   * descendants (they would exit by themselves on the master's death, but we wait for them so
   * that BASE can be deleted).
   */
  private synchronized void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle child : children) {
      while (isRunning(child) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }

  /**
   * Alive and not a zombie. A killed child of the dead master is re-parented to init, which may
   * reap it only seconds later (about 2 s here); {@link ProcessHandle#isAlive()} counts a zombie
   * as alive, but a zombie holds no files and runs no code, so for us it is gone.
   */
  static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      // /proc/PID/stat: "pid (comm) S ...": the state letter follows the last ')'.
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int paren = stat.lastIndexOf(')');
      return paren < 0 || paren + 2 >= stat.length() || stat.charAt(paren + 2) != 'Z';
    } catch (IOException e) {
      return process.isAlive(); // no /proc (or the process just vanished)
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      System.err.println("DovecotServer: could not delete " + root + ": " + e);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void requireTls() {
    if (!options.tls) {
      throw new IllegalStateException("this Dovecot was started without TLS: use options().tls(true)");
    }
  }

  private static void checkUser(String name, String password) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(password, "password");
    if (!SAFE_USER.matcher(name).matches()) {
      throw new IllegalArgumentException("user name must match " + SAFE_USER + ": " + name);
    }
    // passwd-file fields are ':'-separated, one user per line.
    if (password.isEmpty() || password.contains(":") || password.contains("\n") || password.contains("\r")) {
      throw new IllegalArgumentException("password must be non-empty without ':' or line breaks");
    }
  }

  /** Several distinct free loopback ports, all held until all are found so they differ. */
  private static int[] freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket does not fail in practice
        }
      }
    }
  }

  /** Runs a short command with stdin, within {@link #COMMAND_TIMEOUT}; fails with its output. */
  private void run(List<String> command, byte[] stdin, String what) {
    Path output;
    Process p;
    try {
      // Output to a file, not a pipe: a hung command then cannot block us past the timeout.
      output = Files.createTempFile(base, "cmd-", ".out");
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + what + ": " + e.getMessage(), e);
    }
    try {
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin);
      }
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " timed out after " + COMMAND_TIMEOUT + "\n" + logTail(20));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed with exit code " + p.exitValue() + ": "
            + Files.readString(output).strip() + "\n" + logTail(20));
      }
    } catch (IOException e) {
      p.destroyForcibly();
      throw new UncheckedIOException(what + " failed", e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " interrupted", e);
    } finally {
      try {
        Files.deleteIfExists(output);
      } catch (IOException ignored) {
        // BASE is deleted on close anyway
      }
    }
  }

  /** PATH first, then the sbin directories that an ordinary user's PATH often lacks. */
  static Path findExecutable(String name) {
    List<String> dirs = new ArrayList<>();
    Optional.ofNullable(System.getenv("PATH")).ifPresent(p -> dirs.addAll(List.of(p.split(":"))));
    dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/sbin"));
    for (String d : dirs) {
      if (d.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(d, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
