package io.imapsync.daemon;

/** Redis URLs for logs: the password part is never printed. */
public final class RedisUrls {
  public static final String DEFAULT = "redis://127.0.0.1:6379";
  /** The help text of every {@code --redis-url} option. */
  public static final String OPTION_HELP = "Redis URL: redis[s]://[:PASSWORD@]HOST:PORT for one server, "
      + "redis[s]-cluster://[:PASSWORD@]HOST:PORT[,HOST:PORT...] for a Redis Cluster (default: REDIS_URL, else "
      + DEFAULT + ").";

  private RedisUrls() {}

  public static String fromEnvironment() {
    String url = System.getenv("REDIS_URL");
    return url == null || url.isBlank() ? DEFAULT : url.strip();
  }

  public static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }
}
