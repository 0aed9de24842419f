// The maintained list of secret names and value shapes (docs/security.md,
// "What is redacted", describes it for users; keep the two in step).
#include "util/redaction.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

namespace proact::internal {

namespace {

// ---------------------------------------------------------------------------
// Key names. A key is split into lower-case segments ("X-Api-Key" ->
// x api key, "privateKey" -> private key, "x-hub-signature-256" -> x hub
// signature; trailing numeric segments are dropped), then:
//  1. its last one, two or three segments joined form a name in kSecretTails
//     ("token", "apikey", "sessionid"): "api_token", "x-api-key",
//     "session_id" are secrets, "token_count" and "author" are not;
//  2. or its last segment ends with one of kSecretSuffixes (keys written
//     without separators: "PGPASSWORD", "authtoken", "clientsecret");
//  3. or any segment is in kSecretWords (password, secret, credentials...)
//     and the last segment is not in kDescriptors: "password_hash" and
//     "SecretString" are secrets, "secret_id", "password_last_used" and
//     "credential_type" describe one and are not.
// ---------------------------------------------------------------------------

constexpr std::array<std::string_view, 29> kSecretTails = {
    "token",      "tokens",     "auth",          "authorization", "cookie",       "cookies",
    "signature",  "sig",        "jwt",           "bearer",        "pass",         "otp",
    "session",    "sessionid",  "sessionkey",    "apikey",        "apikeys",      "accesskey",
    "accesskeyid", "secretkey", "privatekey",    "signingkey",    "encryptionkey", "masterkey",
    "accountkey", "sharedkey",  "hmackey",       "xsrf",          "csrf",
};

constexpr std::array<std::string_view, 14> kSecretSuffixes = {
    "password", "passwd",     "secret",    "token",     "apikey",     "accesskey",   "secretkey",
    "privatekey", "sessionid", "sessid",   "cookie",    "signature",  "credential",  "credentials",
};

constexpr std::array<std::string_view, 9> kSecretWords = {
    "password", "passwd",     "pwd",         "passphrase", "passcode",
    "secret",   "secrets",    "credential",  "credentials",
};

constexpr std::array<std::string_view, 48> kDescriptors = {
    "id",       "ids",     "arn",      "arns",     "name",     "names",      "type",    "types",
    "kind",     "count",   "length",   "size",     "age",      "enabled",    "disabled", "required",
    "present",  "exists",  "used",     "date",     "time",     "at",         "expires", "expiry",
    "expiration", "policy", "policies", "rotation", "rotated", "version",    "versions", "status",
    "state",    "file",    "path",     "field",    "fields",   "hint",       "strength", "reset",
    "changed",  "set",     "ref",      "manager",  "provider", "location",   "store",    "last",
};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& table, std::string_view word) {
  return std::find(table.begin(), table.end(), word) != table.end();
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsUpper(c) || IsLower(c) || IsDigit(c); }
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Keys longer than this are judged by their last kMaxKeyBytes bytes.
constexpr std::size_t kMaxKeyBytes = 128;

std::vector<std::string> Segments(std::string_view key) {
  if (key.size() > kMaxKeyBytes) key.remove_prefix(key.size() - kMaxKeyBytes);
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (!IsAlnum(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (!cur.empty()) {
      char p = key[i - 1];
      bool next_lower = i + 1 < key.size() && IsLower(key[i + 1]);
      bool split = (IsUpper(c) && (IsLower(p) || IsDigit(p))) ||  // camelCase, v2Key
                   (IsUpper(c) && IsUpper(p) && next_lower) ||    // APIKey -> API Key
                   (IsDigit(c) != IsDigit(p));                    // sha256, 2fa
      if (split) {
        out.push_back(std::move(cur));
        cur.clear();
      }
    }
    cur += Lower(c);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  while (!out.empty() && IsDigit(out.back()[0])) out.pop_back();
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Value shapes, found in any string. Each pattern's group `secret` (the
// first group from that index on that took part in the match) is replaced by
// the marker; the rest of the match (a URL's scheme, user and host, a
// token's prefix, PEM armour) is kept. Order matters where shapes overlap:
// the AWS secret key is looked for next to its key id before the key id
// itself is masked.
// ---------------------------------------------------------------------------

struct Shape {
  const char* name;
  const char* pattern;
  int secret;                                  // first group that may hold the secret
  bool (*accept)(std::string_view secret);     // nullptr: every match
};

bool MixedCase(std::string_view s) {
  bool upper = false, lower = false;
  for (char c : s) {
    upper = upper || IsUpper(c);
    lower = lower || IsLower(c);
  }
  return upper && lower;
}

int Base64Value(char c) {
  if (IsUpper(c)) return c - 'A';
  if (IsLower(c)) return c - 'a' + 26;
  if (IsDigit(c)) return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// HTTP Basic credentials: base64 of "user:password".
bool BasicCredentials(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return false;
  unsigned bits = 0, value = 0;
  bool colon = false;
  for (char c : s) {
    int v = Base64Value(c);
    if (v < 0) return false;
    value = (value << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unsigned char byte = static_cast<unsigned char>((value >> bits) & 0xff);
      if (byte < 0x20 && byte != '\t') return false;
      colon = colon || byte == ':';
    }
  }
  return colon;
}

constexpr Shape kShapes[] = {
    {"pem_private_key",
     R"((-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)((?s:.*?))(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z))", 2,
     nullptr},
    // A 40-character AWS secret access key within 100 bytes after a key id
    // (mixed case: a 40-hex git SHA is not one).
    {"aws_secret_access_key",
     R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b(?s:.{0,100}?)[^A-Za-z0-9/+=]([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|\z))",
     1, MixedCase},
    {"url_credentials", R"(\b([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@"'<>]*:)([^\s/?#@"'<>]+)@)", 2, nullptr},
    {"slack_webhook_url", R"((hooks\.slack\.com/(?:services|workflows|triggers)/)([A-Za-z0-9_/-]+))", 2,
     nullptr},
    {"discord_webhook_url", R"((discord(?:app)?\.com/api/webhooks/[0-9]+/)([A-Za-z0-9_-]+))", 2, nullptr},
    {"jwt", R"(\b(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*))", 1, nullptr},
    {"github_token", R"(\b(gh[pousr]_)([A-Za-z0-9]{20,}))", 2, nullptr},
    {"github_fine_grained_token", R"(\b(github_pat_)([A-Za-z0-9_]{20,}))", 2, nullptr},
    {"gitlab_token", R"(\b(glpat-)([A-Za-z0-9_-]{20,}))", 2, nullptr},
    {"slack_token", R"(\b(xox[abposr]-|xapp-)([A-Za-z0-9-]{8,}))", 2, nullptr},
    {"aws_access_key_id", R"(\b(AKIA|ASIA)([A-Z0-9]{16})\b)", 2, nullptr},
    {"stripe_key", R"(\b((?:sk|rk)_(?:live|test)_)([A-Za-z0-9]{16,}))", 2, nullptr},
    {"google_api_key", R"(\b(AIza)([0-9A-Za-z_-]{35}))", 2, nullptr},
    {"bearer_credentials", R"(\b([Bb]earer|BEARER)[ \t]+([A-Za-z0-9._~+/-]{8,}=*))", 2, nullptr},
    {"basic_credentials", R"(\b([Bb]asic|BASIC)[ \t]+([A-Za-z0-9+/]{4,}={0,2}))", 2, BasicCredentials},
};
constexpr std::size_t kShapeCount = sizeof(kShapes) / sizeof(kShapes[0]);

struct CompiledShapes {
  std::vector<std::unique_ptr<RE2>> regexes;
  std::unique_ptr<RE2::Set> set;  // null when it did not compile: every shape is tried
};

RE2::Options ShapeOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingLatin1);  // any byte, valid UTF-8 or not
  return o;
}

const CompiledShapes& Shapes() {
  static const CompiledShapes* shapes = [] {
    auto* c = new CompiledShapes;
    auto set = std::make_unique<RE2::Set>(ShapeOptions(), RE2::UNANCHORED);
    bool set_ok = true;
    for (const Shape& s : kShapes) {
      c->regexes.push_back(std::make_unique<RE2>(s.pattern, ShapeOptions()));
      set_ok = set_ok && set->Add(s.pattern, nullptr) >= 0;
    }
    if (set_ok && set->Compile()) c->set = std::move(set);
    return c;
  }();
  return *shapes;
}

// Masks every accepted match of one shape in *text; true when it changed.
bool ApplyShape(const Shape& shape, const RE2& re, std::string* text) {
  if (!re.ok()) return false;
  int groups = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> g(static_cast<std::size_t>(groups) + 1);
  re2::StringPiece input(*text);
  std::string out;
  std::size_t pos = 0, copied = 0;
  bool changed = false;
  while (pos < text->size() &&
         re.Match(input, pos, text->size(), RE2::UNANCHORED, g.data(), groups + 1)) {
    std::size_t match_end = static_cast<std::size_t>(g[0].data() - text->data()) + g[0].size();
    pos = std::max(match_end, pos + 1);  // resume after the match, whatever it was
    re2::StringPiece secret;
    for (int i = shape.secret; i <= groups; ++i) {
      if (g[i].data() != nullptr) {
        secret = g[i];
        break;
      }
    }
    if (secret.data() == nullptr || secret.empty()) continue;
    if (shape.accept != nullptr && !shape.accept(std::string_view(secret.data(), secret.size()))) {
      continue;
    }
    std::size_t start = static_cast<std::size_t>(secret.data() - text->data());
    out.append(*text, copied, start - copied);
    out += kRedactedMarker;
    copied = start + secret.size();
    changed = true;
  }
  if (changed) {
    out.append(*text, copied, std::string::npos);
    *text = std::move(out);
  }
  return changed;
}

// ---------------------------------------------------------------------------
// `name=value` and `name: value` pairs in text (connection strings, query
// strings, header lines, JSON or YAML written into a string) whose name is a
// secret key name. Hand-written rather than a regex so that it stays one
// forward pass: each separator looks back at most kMaxKeyBytes for its name.
// ---------------------------------------------------------------------------

bool IsNameChar(char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.'; }

bool IsValueDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '"' ||
         c == '\'' || c == '&' || c == ';' || c == ',' || c == '<' || c == '>' || c == '{' ||
         c == '}' || c == '[' || c == ']' || c == '(' || c == ')' || c == '\\';
}

bool IsAuthScheme(std::string_view word) {
  for (std::string_view s : {"bearer", "basic", "token", "digest", "negotiate"}) {
    if (EqualsIgnoreCase(word, s)) return true;
  }
  return false;
}

// The value after the separator at `sep` ([*begin, *end) in text); false
// when there is none.
bool ValueAfter(std::string_view text, std::size_t sep, bool to_line_end, std::size_t* begin,
                std::size_t* end) {
  std::size_t i = sep + 1;
  auto skip_blanks = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skip_blanks();
  if (i >= text.size()) return false;
  if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '"') {
    // JSON inside a JSON string: the value ends at the next \".
    std::size_t close = text.find("\\\"", i + 2);
    *begin = i + 2;
    *end = close == std::string_view::npos ? text.size() : close;
    return *end > *begin;
  }
  if (text[i] == '"') {
    std::size_t j = i + 1;
    while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
    *begin = i + 1;
    *end = std::min(j, text.size());
    return *end > *begin;
  }
  if (text[i] == '\'' || text[i] == '{') {
    char close = text[i] == '\'' ? '\'' : '}';
    std::size_t j = text.find(close, i + 1);
    *begin = i + 1;
    *end = j == std::string_view::npos ? text.size() : j;
    return *end > *begin;
  }
  // An authentication scheme stays: "Authorization: Bearer <masked>".
  std::size_t word_end = i;
  while (word_end < text.size() && (IsUpper(text[word_end]) || IsLower(text[word_end]))) ++word_end;
  if (word_end < text.size() && (text[word_end] == ' ' || text[word_end] == '\t') &&
      IsAuthScheme(text.substr(i, word_end - i))) {
    i = word_end;
    skip_blanks();
  }
  std::size_t j = i;
  if (to_line_end) {
    while (j < text.size() && text[j] != '\n' && text[j] != '\r' && text[j] != '"') ++j;
  } else {
    while (j < text.size() && !IsValueDelimiter(text[j])) ++j;
  }
  *begin = i;
  *end = j;
  return j > i;
}

bool ApplyKeyValues(std::string* text) {
  std::string_view t(*text);
  std::string out;
  std::size_t copied = 0;
  bool changed = false;
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t sep = t.find_first_of(":=", i);
    if (sep == std::string_view::npos) break;
    i = sep + 1;
    // The name just before: optional blanks, a quote (maybe escaped).
    std::size_t j = sep;
    while (j > copied && (t[j - 1] == ' ' || t[j - 1] == '\t')) --j;
    if (j > copied && (t[j - 1] == '"' || t[j - 1] == '\'')) --j;
    if (j > copied && t[j - 1] == '\\') --j;
    std::size_t name_end = j;
    std::size_t limit = name_end > kMaxKeyBytes ? name_end - kMaxKeyBytes : 0;
    while (j > std::max(limit, copied) && IsNameChar(t[j - 1])) --j;
    if (j == name_end) continue;
    // A colon chain (an ARN's "...:secret:prod/db", a URN) names no value.
    if (t[sep] == ':' && j > 0 && t[j - 1] == ':') continue;
    std::string_view name = t.substr(j, name_end - j);
    if (!IsSecretKey(name)) continue;
    std::vector<std::string> segments = Segments(name);
    bool cookie = !segments.empty() && (segments.back() == "cookie" || segments.back() == "cookies");
    std::size_t begin = 0, end = 0;
    if (!ValueAfter(t, sep, cookie, &begin, &end)) continue;
    std::string_view value = t.substr(begin, end - begin);
    if (value == kRedactedMarker || IsAuthScheme(value)) {
      i = end;
      continue;
    }
    out.append(t.substr(copied, begin - copied));
    out += kRedactedMarker;
    copied = end;
    i = end;
    changed = true;
  }
  if (changed) {
    out.append(t.substr(copied));
    *text = std::move(out);
  }
  return changed;
}

bool RedactTextInPlace(std::string* text) {
  if (text->empty()) return false;
  const CompiledShapes& shapes = Shapes();
  bool changed = false;
  std::vector<int> hits;
  RE2::Set::ErrorInfo error{};
  bool all = shapes.set == nullptr ||
             (!shapes.set->Match(*text, &hits, &error) && error.kind != RE2::Set::kNoError);
  if (all) {
    hits.clear();
    for (std::size_t i = 0; i < kShapeCount; ++i) hits.push_back(static_cast<int>(i));
  }
  std::sort(hits.begin(), hits.end());
  for (int h : hits) changed |= ApplyShape(kShapes[h], *shapes.regexes[h], text);
  if (text->find_first_of(":=") != std::string::npos) changed |= ApplyKeyValues(text);
  return changed;
}

template <typename Json>
const Json* Member(const Json& object, const char* a, const char* b) {
  auto it = object.find(a);
  if (it == object.end()) it = object.find(b);
  return it == object.end() ? nullptr : &*it;
}

// Values found under secret names are also masked where the same document
// repeats them in other strings ("key {{ detail.headers.x-api-key }}" in a
// message next to the headers): at most kMaxKnownValues of them, each at
// least kMinKnownValueBytes and at most kMaxKnownValueBytes long, so the
// cost stays linear.
constexpr std::size_t kMaxKnownValues = 32;
constexpr std::size_t kMinKnownValueBytes = 6;
constexpr std::size_t kMaxKnownValueBytes = 512;

template <typename Json>
void Remember(const Json& v, std::vector<std::string>* known) {
  auto add = [&](const Json& s) {
    if (s.is_string() && known->size() < kMaxKnownValues) {
      const std::string& text = s.template get_ref<const std::string&>();
      if (text.size() >= kMinKnownValueBytes && text.size() <= kMaxKnownValueBytes &&
          text != kRedactedMarker) {
        known->push_back(text);
      }
    }
  };
  add(v);
  if (v.is_array()) {
    for (const Json& item : v) add(item);
  }
}

template <typename Json>
void RedactJsonImpl(Json* root) {
  // Pass 1: secret members are replaced (their values remembered); the
  // strings everything else holds are collected.
  std::vector<Json*> stack{root};
  std::vector<std::string*> strings;
  std::vector<std::string> known;
  while (!stack.empty()) {
    Json* j = stack.back();
    stack.pop_back();
    if (j->is_string()) {
      strings.push_back(j->template get_ptr<std::string*>());
    } else if (j->is_array()) {
      for (auto& item : *j) stack.push_back(&item);
    } else if (j->is_object()) {
      // {"name": "DB_PASSWORD", "value": "..."}: the value is the secret.
      Json* pair_value = nullptr;
      const Json* name = Member(*j, "name", "Name");
      if (name == nullptr) name = Member(*j, "key", "Key");
      if (name != nullptr && name->is_string() && IsSecretKey(name->template get<std::string>())) {
        auto it = j->find("value");
        if (it == j->end()) it = j->find("Value");
        if (it != j->end()) pair_value = &*it;
      }
      for (auto it = j->begin(); it != j->end(); ++it) {
        Json& v = it.value();
        if (&v == pair_value || IsSecretKey(it.key())) {
          if (v.is_null()) continue;
          Remember(v, &known);
          v = std::string(kRedactedMarker);
        } else {
          stack.push_back(&v);
        }
      }
    }
  }
  // Pass 2: shapes, then the remembered values (longest first).
  std::sort(known.begin(), known.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (std::string* s : strings) {
    RedactTextInPlace(s);
    for (const std::string& value : known) {
      for (std::size_t at = s->find(value); at != std::string::npos;
           at = s->find(value, at + kRedactedMarker.size())) {
        s->replace(at, value.size(), kRedactedMarker);
      }
    }
  }
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  std::vector<std::string> seg = Segments(key);
  if (seg.empty()) return false;
  std::size_t n = seg.size();
  const std::string& last = seg[n - 1];
  if (In(kSecretTails, last)) return true;
  if (n >= 2 && In(kSecretTails, seg[n - 2] + last)) return true;
  if (n >= 3 && In(kSecretTails, seg[n - 3] + seg[n - 2] + last)) return true;
  for (std::string_view suffix : kSecretSuffixes) {
    if (EndsWith(last, suffix)) return true;
  }
  if (In(kDescriptors, last)) return false;
  for (const std::string& s : seg) {
    if (In(kSecretWords, s)) return true;
  }
  return false;
}

std::string RedactText(std::string_view text) {
  std::string out(text);
  RedactTextInPlace(&out);
  return out;
}

void RedactJson(nlohmann::json* j) { RedactJsonImpl(j); }
void RedactJson(nlohmann::ordered_json* j) { RedactJsonImpl(j); }

}  // namespace proact::internal
