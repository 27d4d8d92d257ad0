#include "services/homework/core/model/text.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/homework/core/model/time_zone.h"

namespace therapy::homework {
namespace {

// UTF-8 of one code point.
std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

// Code points from the scripts people write in: Latin, Cyrillic, Greek, Arabic, Hebrew,
// Devanagari, Thai, CJK, Hangul, emoji.
const std::vector<std::pair<char32_t, char32_t>> kScripts = {
    {0x41, 0x5A},     {0xC0, 0xFF},     {0x410, 0x44F},     {0x391, 0x3C9},
    {0x627, 0x64A},   {0x5D0, 0x5EA},   {0x905, 0x939},     {0xE01, 0xE2E},
    {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F600, 0x1F64F}, {0x1F300, 0x1F5FF}};

TEST(CodePointCountTest, CountsWhatPeopleSeeInEveryScript) {
  std::mt19937 random(7);
  for (const auto& [first, last] : kScripts) {
    std::uniform_int_distribution<uint32_t> pick(first, last);
    for (int length : {1, 2, 150, 1500}) {
      std::string text;
      for (int i = 0; i < length; ++i) text += Utf8(pick(random));
      EXPECT_EQ(CodePointCount(text), static_cast<size_t>(length))
          << "script starting U+" << std::hex << static_cast<uint32_t>(first);
    }
  }
}

TEST(CodePointCountTest, RefusesEveryKindOfBrokenUtf8) {
  const std::vector<std::string> broken = {
      "\x80",              // a continuation byte alone
      "\xC3",              // truncated two-byte sequence
      "\xE2\x82",          // truncated three-byte sequence
      "\xF0\x9F\x98",      // truncated emoji
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong '/', three bytes
      "\xED\xA0\x80",      // a UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xFF",              // never valid
      "ok\xFE",            // valid text, then a broken byte
  };
  for (const std::string& text : broken) {
    EXPECT_FALSE(CodePointCount(text).has_value()) << testing::PrintToString(text);
    EXPECT_FALSE(IsBlank(text));
  }
}

TEST(CodePointCountTest, RandomBytesNeverCrashAndValidTextAlwaysCounts) {
  std::mt19937 random(11);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 5000; ++round) {
    std::string text(static_cast<size_t>(round % 40), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    const std::optional<size_t> count = CodePointCount(text);
    if (count) {
      EXPECT_LE(*count, text.size());
    }
  }
}

TEST(IsBlankTest, EveryUnicodeWhiteSpaceAndInvisibleCharacterIsBlank) {
  const std::vector<char32_t> blank = {
      0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,   0xA0,   0x1680, 0x2000,
      0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
      0x200B, 0x200C, 0x200D, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF};
  std::mt19937 random(3);
  std::uniform_int_distribution<size_t> pick(0, blank.size() - 1);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    for (int i = 0; i <= round % 12; ++i) text += Utf8(blank[pick(random)]);
    EXPECT_TRUE(IsBlank(text)) << testing::PrintToString(text);
    EXPECT_FALSE(IsBlank(text + "a"));
    EXPECT_FALSE(IsBlank(Utf8(0x5FC3) + text));  // one CJK character says something
  }
  EXPECT_TRUE(IsBlank(""));
}

TEST(LoadIanaTimeZoneTest, AcceptsNamesOfTheTzDatabase) {
  for (const char* name : {"Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5",
                           "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT", "Asia/Kolkata",
                           "Pacific/Chatham", "Australia/Lord_Howe", "America/St_Johns"}) {
    EXPECT_TRUE(LoadIanaTimeZone(name).has_value()) << name;
  }
}

TEST(LoadIanaTimeZoneTest, RefusesPathsArtefactsAndOtherStrings) {
  const std::string nul("Europe/Berlin\0x", 15);
  for (const std::string& name : {std::string("/etc/localtime"),
                                  std::string("/usr/share/zoneinfo/Europe/Berlin"),
                                  std::string("../zoneinfo/Europe/Berlin"),
                                  std::string("Europe/../Europe/Berlin"),
                                  std::string("./UTC"),
                                  std::string("localtime"),
                                  std::string("posixrules"),
                                  std::string("posix/Europe/Berlin"),
                                  std::string("right/UTC"),
                                  std::string("zone.tab"),
                                  std::string("tzdata.zi"),
                                  std::string("Mars/Olympus_Mons"),
                                  std::string("CET-1CEST"),
                                  std::string("<+03>-3"),
                                  std::string("Europe//Berlin"),
                                  std::string("Europe/Berlin/"),
                                  std::string(" Europe/Berlin"),
                                  std::string("Europe/Berlin\n"),
                                  nul,
                                  std::string(""),
                                  std::string(70, 'A')}) {
    EXPECT_FALSE(LoadIanaTimeZone(name).has_value()) << testing::PrintToString(name);
  }
}

TEST(LoadIanaTimeZoneTest, RandomStringsAreRefusedUnlessTheyAreZoneNames) {
  std::mt19937 random(5);
  const std::string alphabet = "/._-+ \t\n\x01AZaz09\xC3\xA9";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int round = 0; round < 3000; ++round) {
    std::string name;
    for (int i = 0; i < 1 + round % 20; ++i) name += alphabet[pick(random)];
    std::optional<absl::TimeZone> zone = LoadIanaTimeZone(name);
    if (zone) {
      // Only names made of the tz database's characters can pass.
      EXPECT_EQ(name.find_first_of(" \t\n\x01\xC3"), std::string::npos) << name;
      EXPECT_NE(name[0], '/');
    }
  }
}

}  // namespace
}  // namespace therapy::homework
