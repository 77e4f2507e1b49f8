package io.imapsync.loadsim;

import java.util.Map;

/**
 * Counters of one simulator process at one instant. Connections: open (TCP), logged in, in IDLE,
 * accepted since start; the highest number of logged-in connections any one user had at once;
 * per listening address the most connections accepted within one second. Changes: made by any
 * origin; scheduled events applied and the worst lag of one behind its due time.
 */
public record LoadStats(
    int openConnections,
    int authenticatedConnections,
    int idleConnections,
    long acceptedConnections,
    long logins,
    long failedLogins,
    long refusedLogins,
    int maxConnectionsPerUser,
    Map<String, Integer> peakAcceptsPerSecond,
    long deliveries,
    long flagChanges,
    long expunges,
    long scheduledEvents,
    long scheduleMaxLagMicros,
    int touchedFolders) {

  /** One line of JSON (no nesting beyond the accept-rate map), for logs and the CLI. */
  public String toJson() {
    StringBuilder rates = new StringBuilder("{");
    peakAcceptsPerSecond.forEach((k, v) -> rates.append(rates.length() > 1 ? "," : "").append('"').append(k)
        .append("\":").append(v));
    rates.append('}');
    return "{\"open\":" + openConnections + ",\"authenticated\":" + authenticatedConnections + ",\"idle\":"
        + idleConnections + ",\"accepted\":" + acceptedConnections + ",\"logins\":" + logins + ",\"failedLogins\":"
        + failedLogins + ",\"refusedLogins\":" + refusedLogins + ",\"maxConnectionsPerUser\":" + maxConnectionsPerUser
        + ",\"peakAcceptsPerSecond\":" + rates + ",\"deliveries\":" + deliveries + ",\"flagChanges\":" + flagChanges
        + ",\"expunges\":" + expunges + ",\"scheduledEvents\":" + scheduledEvents + ",\"scheduleMaxLagMicros\":"
        + scheduleMaxLagMicros + ",\"touchedFolders\":" + touchedFolders + "}";
  }
}
