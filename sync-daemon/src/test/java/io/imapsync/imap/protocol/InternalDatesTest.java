package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InternalDatesTest {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

  @Test
  void readsTheGrammarLikeTheFormatterDoes() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      long seconds = random.nextLong(0, 4_102_444_800L); // 1970..2100
      int offsetMinutes = (random.nextInt(27 * 60) - 12 * 60) / 15 * 15;
      ZonedDateTime t = ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(seconds),
          java.time.ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
      String text = FORMAT.format(t);
      String padded = text.indexOf('-') == 1 && random.nextBoolean() ? " " + text : text; // date-day-fixed: SP DIGIT
      assertEquals(seconds * 1000, InternalDates.toEpochMillis(padded), padded);
    }
  }

  @Test
  void examplesAndOddities() {
    assertEquals(1748944800000L, InternalDates.toEpochMillis("03-Jun-2025 10:00:00 +0000"));
    assertEquals(1748944800000L, InternalDates.toEpochMillis(" 3-Jun-2025 12:00:00 +0200"));
    assertEquals(1748944800000L, InternalDates.toEpochMillis("3-JUN-2025 05:00:00 -0500"));
    // Off the calendar: read as the formatter always did (smart resolution to the month's end).
    assertEquals(ZonedDateTime.parse("28-Feb-2025 10:00:00 +0000", FORMAT).toInstant().toEpochMilli(),
        InternalDates.toEpochMillis("31-Feb-2025 10:00:00 +0000"));
    assertEquals(-1, InternalDates.toEpochMillis("yesterday"));
    assertEquals(-1, InternalDates.toEpochMillis(""));
    assertEquals(-1, InternalDates.toEpochMillis(null));
    assertEquals(-1, InternalDates.toEpochMillis("03-Jux-2025 10:00:00 +0000"));
  }
}
