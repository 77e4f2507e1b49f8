package io.imapsync.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BaseSubjectTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      Hello                                   | Hello
      Re: Hello                               | Hello
      RE: re: Re:Hello                        | Hello
      Re[2]: Hello                            | Hello
      Re (2): Hello                           | Hello
      Re^3: Hello                             | Hello
      Fwd: Hello                              | Hello
      FW: Hello                               | Hello
      Hello (fwd)                             | Hello
      Hello (FWD) (fwd)                       | Hello
      [Fwd: Hello]                            | Hello
      Fwd: [Fwd: Re: Hello]                   | Hello
      [list] Hello                            | Hello
      [list] Re: [list] Hello                 | Hello
      Re: [list] Hello                        | Hello
      [RFC][PATCH 06/10] cifs: define         | cifs: define
      Re: [notmuch] [PATCH 1/2] lib: add      | lib: add
      [only a tag]                            | [only a tag]
      AW: Termin                              | Termin
      Aw: WG: Termin                          | Termin
      SV: Möte                                | Möte
      VS: Möte                                | Möte
      Antw: Vergadering                       | Vergadering
      Réf : Réunion                           | Réunion
      TR: Réunion                             | Réunion
      RIF: Riunione                           | Riunione
      RV: Reunión                             | Reunión
      ENC: Reunião                            | Reunião
      Odp: Spotkanie                          | Spotkanie
      YNT: Toplantı                           | Toplantı
      İLT: Toplantı                           | Toplantı
      Vá: Találkozó                           | Találkozó
      ΑΠ: Συνάντηση                           | Συνάντηση
      Отв: Встреча                            | Встреча
      回复: 会议                              | 会议
      ＲＥ： Hello                            | Hello
      Re:                                     | ""
      Re: Re:                                 | ""
      Review: the plan                        | Review: the plan
      Fwdx: Hello                             | Fwdx: Hello
      Rex Hello                               | Rex Hello
      R: Hello                                | R: Hello
      Re: Hello   world                       | Hello world
      =?UTF-8?Q?AW:?= Termin                  | Termin
      =?ISO-8859-1?Q?R=E9f:?= Termin          | Termin
      """)
  void baseSubject(String subject, String expected) {
    assertEquals(expected, BaseSubject.of(subject));
  }

  @org.junit.jupiter.api.Test
  void keysFoldCaseAndWidth() {
    assertEquals(BaseSubject.key("HELLO World"), BaseSubject.key("Re: hello  world"));
    assertEquals(BaseSubject.key("Ｈｅｌｌｏ"), BaseSubject.key("hello"));
  }
}
