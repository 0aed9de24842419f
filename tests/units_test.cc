// Unit tests of internal pieces, one section per module.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "action/template.h"
#include "compile/pattern_compiler.h"
#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"
#include "match/matcher.h"
#include "program/value_index.h"
#include "util/json_nesting.h"
#include "util/json_size.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

Node Parse(const std::string& yaml, DiagnosticSink* sink) {
  int file = sink->AddFile("t.yaml", yaml);
  Node root;
  ParseYaml(yaml, file, 64, sink, &root);
  return root;
}

TEST_CASE("load/yaml_document: scalars resolve to JSON types") {
  DiagnosticSink sink;
  Node root = Parse(
      "a: true\nb: 'true'\nc: 3.0e2\nd: \"3\"\ne: ~\nf: null\ng: hello\nh: -12\ni: 0x1F\nj: |\n  block\nk: TRUE\nl:\n", &sink);
  REQUIRE_FALSE(sink.has_errors());
  CHECK(root.Find("a")->kind == Node::Kind::kBool);
  CHECK(root.Find("a")->boolean);
  CHECK(root.Find("b")->kind == Node::Kind::kString);
  CHECK(root.Find("c")->kind == Node::Kind::kNumber);
  CHECK(root.Find("c")->number == 300);
  CHECK(root.Find("d")->kind == Node::Kind::kString);
  CHECK(root.Find("e")->kind == Node::Kind::kNull);
  CHECK(root.Find("f")->kind == Node::Kind::kNull);
  CHECK(root.Find("g")->kind == Node::Kind::kString);
  CHECK(root.Find("h")->number == -12);
  CHECK(root.Find("i")->kind == Node::Kind::kString);  // not a decimal number
  CHECK(root.Find("j")->kind == Node::Kind::kString);
  CHECK(root.Find("j")->text == "block\n");
  CHECK(root.Find("k")->kind == Node::Kind::kBool);
  CHECK(root.Find("l")->kind == Node::Kind::kNull);
  CHECK(root.Find("c")->mark.line == 3);
  CHECK(root.Find("c")->mark.column == 4);
}

TEST_CASE("load/yaml_document: depth limit and syntax errors are diagnostics") {
  DiagnosticSink sink;
  std::string deep = "a: " + std::string(100, '[') + std::string(100, ']') + "\n";
  Parse(deep, &sink);
  REQUIRE(sink.has_errors());
  CHECK(sink.diagnostics()[0].code == "yaml-too-deep");
  DiagnosticSink sink2;
  Parse("a: [1, 2\n", &sink2);
  REQUIRE(sink2.has_errors());
  CHECK(sink2.diagnostics()[0].code == "yaml-syntax");
  // A very deep flow sequence is stopped by the parser, not the stack.
  DiagnosticSink sink3;
  Parse(std::string(100000, '[') + std::string(100000, ']'), &sink3);
  CHECK(sink3.has_errors());
}

TEST_CASE("load/diagnostic_sink: suggestions") {
  std::vector<std::string_view> keys = {"match", "except", "actions", "severity"};
  CHECK(DidYouMean("mach", keys) == "match");
  CHECK(DidYouMean("sevreity", keys) == "severity");
  CHECK(DidYouMean("completely-different", keys).empty());
}

TEST_CASE("action/template: parsing") {
  Template t;
  TemplateError err;
  REQUIRE(ParseTemplate("{{ detail.a[2].\"x.y\" | default('n') | upper }}", &t, &err));
  CHECK(t.whole_value);
  REQUIRE(t.exprs.size() == 1);
  const auto& path = t.exprs[0].path;
  REQUIRE(path.size() == 4);
  CHECK(path[0].key == "detail");
  CHECK(path[2].is_index);
  CHECK(path[2].index == 2);
  CHECK(path[3].key == "x.y");
  CHECK(t.exprs[0].filters.size() == 2);
  CHECK(t.exprs[0].filters[0].args.at(0).literal == "n");
  REQUIRE(ParseTemplate("a {{ b }} c", &t, &err));
  CHECK_FALSE(t.whole_value);
  REQUIRE(ParseTemplate("no holes", &t, &err));
  CHECK_FALSE(t.has_holes());
  CHECK_FALSE(ParseTemplate("{{ a.b", &t, &err));
  CHECK(err.offset == 0);
  CHECK_FALSE(ParseTemplate("x {{ a | nope }}", &t, &err));
  CHECK(err.message.find("unknown filter 'nope'") == 0);
  CHECK_FALSE(ParseTemplate("{{ a..b }}", &t, &err));
  CHECK_FALSE(ParseTemplate("{{ a[x] }}", &t, &err));
  CHECK_FALSE(ParseTemplate("{{ a | default(1 }}", &t, &err));
  CHECK_FALSE(ParseTemplate("{{ a | lower(1) }}", &t, &err));
}

TEST_CASE("util/json_size: CompactJsonSize is dump().size() for every kind of value") {
  const std::vector<nlohmann::json> values = {
      nullptr, true, false, 0, 7, -1, 10, 99, 100, -100,
      std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
      std::numeric_limits<std::uint64_t>::max(), 0.0, -0.0, 1.5, 3.0, 1e100, -2.5e-300, 0.1,
      1.0 / 3.0, 123456789.125, std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN(), "", "plain", "quote \" and \\ backslash",
      "\b\f\n\r\t", std::string("nul \x01 \x1f \x7f", 10), std::string("\0", 1),
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xe6\x97\xa5\xe6\x9c\xac",
      "a longer run of plain text, then \"quotes\" and \\ and\ttabs at odd places\n",
      std::string("0123456789\x01" "abcdefghij\x1f" "klmnop\x7f"),
      "plain words before caf\xc3\xa9 and after \xe2\x82\xac, plain words again",
      nlohmann::json::array(), nlohmann::json::object(),
      nlohmann::json::array({1, "two", nullptr, nlohmann::json::array({3.25})}),
      nlohmann::json::parse(R"({"a":{"b\"c":[1,2,{"\u00e9":"\n"}]},"":"","z":false})")};
  for (const nlohmann::json& v : values) {
    CAPTURE(v.dump());
    std::optional<std::size_t> size = CompactJsonSize(v);
    REQUIRE(size.has_value());
    CHECK(*size == v.dump().size());
    CHECK(CompactJsonSizeBound(v) >= *size);
  }
  // The bound holds at its worst case: every byte escaped as \u00XX.
  nlohmann::json controls = nlohmann::json::object({{std::string(5, '\x01'), std::string(7, '\x1f')}});
  CHECK(CompactJsonSizeBound(controls) >= controls.dump().size());
  CHECK(controls.dump().size() == 2 + (2 + 30) + 1 + (2 + 42));
  // Invalid UTF-8, which dump() refuses: no answer, the caller asks dump().
  CHECK_FALSE(CompactJsonSize(nlohmann::json("bad \xff byte")).has_value());
  CHECK_FALSE(CompactJsonSize(nlohmann::json("twenty plain bytes.. \xc3 then more plain")).has_value());
  CHECK_FALSE(CompactJsonSize(nlohmann::json::object({{"k\xc3", 1}})).has_value());
}

TEST_CASE("compile/pattern_compiler: CIDR and IP parsing") {
  Cidr c;
  std::string error;
  REQUIRE(ParseCidr("10.0.0.0/24", &c, &error));
  CHECK_FALSE(c.v6);
  CHECK(c.prefix == 24);
  REQUIRE(ParseCidr("2001:db8::/32", &c, &error));
  CHECK(c.v6);
  CHECK_FALSE(ParseCidr("10.0.0.0", &c, &error));
  CHECK_FALSE(ParseCidr("10.0.0.0/8/8", &c, &error));
  CHECK_FALSE(ParseCidr("10.0.0.0/abc", &c, &error));
  CHECK_FALSE(ParseCidr("2001:db8::/129", &c, &error));
  CHECK(ParseCidr("10.0.0.1/32", &c, &error));
  CHECK(SplitDotted("a.b.c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(SplitDotted("plain") == std::vector<std::string>{"plain"});
}

TEST_CASE("match/matcher: wildcard matching") {
  auto w = [](std::vector<std::string> chunks) { return Wildcard{std::move(chunks)}; };
  CHECK(WildcardMatch(w({"a", "c"}), "abc"));
  CHECK(WildcardMatch(w({"a", "c"}), "ac"));
  CHECK_FALSE(WildcardMatch(w({"ab", "bc"}), "abc"));  // chunks may not overlap
  CHECK(WildcardMatch(w({"", "x", ""}), "axb"));
  CHECK(WildcardMatch(w({"", ""}), ""));
  CHECK_FALSE(WildcardMatch(w({"exact"}), "exactly"));
  CHECK(WildcardMatch(w({"/u/", "/d/", "/d/f"}), "/u/x/d/d/d/f"));
}

TEST_CASE("program/value_index: typed keys") {
  ValueIndex index;
  char buf[8];
  index.Add(1, ValueKind::kString, "300", 7);
  index.Add(1, ValueKind::kNumber, NumberKeyBytes(300.0, buf), 8);
  index.Add(2, ValueKind::kString, "300", 9);
  index.Add(1, ValueKind::kTrue, {}, 10);
  index.Add(1, ValueKind::kNumber, NumberKeyBytes(-0.0, buf), 11);
  index.Build();
  CHECK(index.Find(1, ValueKind::kString, "300").size() == 1);
  CHECK(index.Find(1, ValueKind::kString, "300")[0] == 7);
  CHECK(index.Find(1, ValueKind::kNumber, NumberKeyBytes(300, buf))[0] == 8);
  CHECK(index.Find(2, ValueKind::kString, "300")[0] == 9);
  CHECK(index.Find(1, ValueKind::kTrue, {})[0] == 10);
  CHECK(index.Find(1, ValueKind::kFalse, {}).empty());
  CHECK(index.Find(1, ValueKind::kNumber, NumberKeyBytes(0.0, buf))[0] == 11);
  CHECK(index.Find(3, ValueKind::kString, "300").empty());
}

TEST_CASE("program/value_index: pair keys stored by string id compare by bytes") {
  // Strings 0 and 2 hold the same bytes: one key, whichever id added it.
  std::vector<std::string> strings = {"arn:aws:iam::123456789012:role/Admin", "DeleteBucket",
                                      "arn:aws:iam::123456789012:role/Admin", "Delete"};
  ValueIndex index;
  index.SetStringPool(strings.data(), strings.size());
  char buf[8];
  auto key = [](ValueKind ka, std::string_view a, ValueKind kb, std::string_view b) {
    std::string k;
    AppendPairKey(&k, ka, a);
    AppendPairKey(&k, kb, b);
    return k;
  };
  auto hash = [](ValueKind ka, std::string_view a, ValueKind kb, std::string_view b) {
    return ValueIndex::PairHash(ValueIndex::ValueHash(ka, a), ValueIndex::ValueHash(kb, b));
  };
  auto add = [&](std::string_view a, std::uint32_t ia, ValueKind kb, std::string_view b,
                 std::uint32_t ib, std::uint32_t rule) {
    index.AddPairHashed(5, key(ValueKind::kString, a, kb, b), ValueKind::kString, a, ia, kb, b,
                        ib, hash(ValueKind::kString, a, kb, b), rule);
  };
  auto find = [&](std::string_view a, ValueKind kb, std::string_view b) {
    std::string k = key(ValueKind::kString, a, kb, b);
    return index.FindLazy(5, ValueKind::kString, hash(ValueKind::kString, a, kb, b),
                          [&] { return std::string_view(k); });
  };
  add(strings[0], 0, ValueKind::kString, strings[1], 1, 7);
  add(strings[2], 2, ValueKind::kString, strings[1], 1, 8);  // same key, another id
  add(strings[0], 0, ValueKind::kNumber, NumberKeyBytes(3, buf), ValueIndex::kNoString, 9);
  // A string without an id is stored by its bytes.
  add(strings[0], 0, ValueKind::kString, "Put", ValueIndex::kNoString, 10);
  index.Build();
  auto rules = find(strings[0], ValueKind::kString, "DeleteBucket");
  REQUIRE(rules.size() == 2);
  CHECK(rules[0] == 7);
  CHECK(rules[1] == 8);
  CHECK(find(strings[0], ValueKind::kNumber, NumberKeyBytes(3, buf)).size() == 1);
  CHECK(find(strings[0], ValueKind::kString, "Put")[0] == 10);
  CHECK(find(strings[0], ValueKind::kString, "Delete").empty());      // a prefix of a value
  CHECK(find(strings[0], ValueKind::kString, "DeleteBucketX").empty());
  CHECK(find(strings[0], ValueKind::kString, "3").empty());          // kind differs
  CHECK(find("arn:aws:iam::123456789012:role/Admi", ValueKind::kString, "DeleteBucket").empty());
  // The bytes decide, not the hash: a key under another key's hash.
  auto under = [&](std::string_view k) {
    return index.FindLazy(5, ValueKind::kString,
                          hash(ValueKind::kString, strings[0], ValueKind::kString, "DeleteBucket"),
                          [&] { return k; });
  };
  CHECK(under(key(ValueKind::kString, strings[0], ValueKind::kString, "DeleteBucket")).size() == 2);
  CHECK(under(key(ValueKind::kString, strings[0], ValueKind::kString, "DeleteBuckeT")).empty());
  CHECK(under(key(ValueKind::kString, strings[0], ValueKind::kNumber, "DeleteBucket")).empty());
  CHECK(under(key(ValueKind::kString, strings[0], ValueKind::kString, "")).empty());
  CHECK(under(std::string_view(key(ValueKind::kString, strings[0], ValueKind::kString,
                                   "DeleteBucket")).substr(0, 20)).empty());  // truncated
}

}  // namespace
}  // namespace proact::internal

namespace proact::internal {

TEST_CASE("util/strings: lower-casing, lists, yes/no variables") {
  CHECK(AsciiLower("Content-Type: ÄB") == "content-type: Äb");
  CHECK(SplitTrimmed(" a, b,,\tc ,", ',') == std::vector<std::string>{"a", "b", "c"});
  CHECK(SplitTrimmed("rules:/opt/more", ':') == std::vector<std::string>{"rules", "/opt/more"});
  CHECK(SplitTrimmed("", ',').empty());
  CHECK(SplitTrimmed(" , ", ',').empty());
  setenv("PROACT_UNIT_FLAG", "Yes", 1);
  CHECK(EnvFlag("PROACT_UNIT_FLAG", false));
  setenv("PROACT_UNIT_FLAG", "OFF", 1);
  CHECK_FALSE(EnvFlag("PROACT_UNIT_FLAG", true));
  setenv("PROACT_UNIT_FLAG", "maybe", 1);
  CHECK(EnvFlag("PROACT_UNIT_FLAG", true));
  CHECK_FALSE(EnvFlag("PROACT_UNIT_FLAG", false));
  unsetenv("PROACT_UNIT_FLAG");
  CHECK(EnvFlag("PROACT_UNIT_FLAG", true));
}

TEST_CASE("util/json_nesting: depth without parsing, strings skipped") {
  CHECK(JsonNestingDepth("{\"a\":[1,{\"b\":[]}]}") == 4);
  CHECK(JsonNestingDepth("\"[[[[\"") == 0);
  CHECK(JsonNestingDepth("[\"\\\"[[\"]") == 1);
}

}  // namespace proact::internal
