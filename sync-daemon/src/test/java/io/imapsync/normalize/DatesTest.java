package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DatesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "Tue, 3 Jun 2025 10:00:00 +0000|2025-06-03T10:00:00Z",
      "Tue, 03 Jun 2025 10:00:00 -0700 (PDT)|2025-06-03T17:00:00Z",
      "Tue,  3 Jun 2025 10:00:00 +0000|2025-06-03T10:00:00Z",
      "3 Jun 2025 10:00 GMT|2025-06-03T10:00:00Z",
      "03 Jun 25 10:00:00 EST|2025-06-03T15:00:00Z",
      "Wed, 18 Nov 99 01:02:03 -0800|1999-11-18T09:02:03Z",
      "Tue, 3 Jun 2025 10:00:00 UT|2025-06-03T10:00:00Z",
      "Tue, 3 Jun 2025 10:00:00 +0000 GMT|2025-06-03T10:00:00Z",
      "Tuesday, 3 June 2025 10:00:00 +0200|2025-06-03T08:00:00Z",
      "Tue Jun  3 10:00:00 2025|2025-06-03T10:00:00Z",
      "Tue, 3 Jun 2025 10.00.00 +0000|2025-06-03T10:00:00Z",
      "Tue, 3 Jun 2025 10:00:00 +05:30|2025-06-03T04:30:00Z",
      "Tue, 3-Jun-2025 10:00:00 CEST|2025-06-03T08:00:00Z",
      "Tue, 3 Jun 2025 23:59:60 +0000|2025-06-03T23:59:59Z",
      "2025-06-03T10:00:00Z|2025-06-03T10:00:00Z",
      "2025-06-03 10:00:00+02:00|2025-06-03T08:00:00Z"})
  void parses(String value, String expected) {
    assertEquals(Instant.parse(expected).toEpochMilli(), Dates.parse(value).epochMillis());
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", "garbage", "Thu Jan 01 00:00:10 +0000", "Tue, 31 Feb 2025 10:00:00 +0000",
      "Tue, 3 Jun 2025 25:00:00 +0000", "Tue, 3 Jun 2025", "3 Foo 2025 10:00:00 +0000"})
  void rejects(String value) {
    assertNull(Dates.parse(value));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Tue, 3 Jun 2025 10:00:00", "Tue, 3 Jun 2025 10:00:00 XYZ"})
  void missingOrUnknownZoneIsUtc(String value) {
    assertEquals(Instant.parse("2025-06-03T10:00:00Z").toEpochMilli(), Dates.parse(value).epochMillis());
  }
}
