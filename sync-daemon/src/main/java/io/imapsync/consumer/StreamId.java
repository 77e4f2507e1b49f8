package io.imapsync.consumer;

/** A Redis stream entry id ("ms-seq"), ordered as Redis orders them. */
record StreamId(long millis, long sequence) implements Comparable<StreamId> {
  static StreamId parse(String id) {
    int dash = id.indexOf('-');
    if (dash < 0) {
      return new StreamId(Long.parseLong(id), 0);
    }
    return new StreamId(Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)));
  }

  StreamId next() {
    return sequence == Long.MAX_VALUE ? new StreamId(millis + 1, 0) : new StreamId(millis, sequence + 1);
  }

  static StreamId min(StreamId a, StreamId b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public int compareTo(StreamId o) {
    int c = Long.compare(millis, o.millis);
    return c != 0 ? c : Long.compare(sequence, o.sequence);
  }

  @Override
  public String toString() {
    return millis + "-" + sequence;
  }
}
