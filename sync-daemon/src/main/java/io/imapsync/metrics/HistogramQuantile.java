package io.imapsync.metrics;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * A quantile of a timer's histogram, estimated as Prometheus's {@code histogram_quantile} does
 * (linear within the bucket that holds the rank), so a figure printed from a snapshot matches a
 * dashboard's. The buckets are cumulative, as the Prometheus registry keeps them.
 */
public final class HistogramQuantile {
  private HistogramQuantile() {}

  /** The {@code q}-quantile (0..1) in {@code unit}; NaN without samples. */
  public static double of(HistogramSnapshot snapshot, double q, TimeUnit unit) {
    long total = snapshot.count();
    CountAtBucket[] buckets = snapshot.histogramCounts();
    if (total == 0 || buckets.length == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double countBelow = 0;
    for (CountAtBucket b : buckets) {
      double upperBound = b.bucket(unit);
      if (b.count() >= rank) {
        double inBucket = b.count() - countBelow;
        return inBucket <= 0 ? upperBound : lowerBound + (upperBound - lowerBound) * (rank - countBelow) / inBucket;
      }
      lowerBound = upperBound;
      countBelow = b.count();
    }
    return lowerBound; // in the +Inf bucket: the highest finite bound, as Prometheus answers
  }
}
