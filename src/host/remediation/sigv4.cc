#include "host/remediation/sigv4.h"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "normalize/codec.h"

namespace proact::internal {

namespace {

// HMAC-SHA256 (codec.h's; it fails only for an unknown algorithm).
std::string HmacSha256(std::string_view key, std::string_view data) {
  return Hmac("sha256", key, data).value_or(std::string());
}

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Path segments without "." and empty ones, ".." taking one back; a
// leading and a trailing '/' are kept.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!segment.empty() && segment != ".") {
      out.push_back(segment);
    }
    start = end + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string FoldSpaces(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string SigV4CanonicalUri(std::string_view path, bool s3) {
  if (path.empty()) return "/";
  if (s3) return std::string(path);
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : RemoveDotSegments(path)) {
    if (Unreserved(c) || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string SigV4CanonicalQuery(std::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      pairs.emplace_back(pair, std::string_view());
    } else {
      pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out.append(name).append("=").append(value);
  }
  return out;
}

SigV4Signature SignSigV4(std::string_view method, std::string_view path, std::string_view query,
                         const HeaderList& headers, std::string_view payload_hash,
                         const AwsSigning& signing, std::string_view amz_date) {
  // Lower-cased names, sorted (stable: repeated names keep their order).
  std::vector<std::pair<std::string, std::string>> lowered;
  for (const auto& [name, value] : headers) {
    std::string n;
    for (char c : name) n += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    lowered.emplace_back(std::move(n), FoldSpaces(value));
  }
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      canonical_headers.back() = ',';  // replaces the previous line's '\n'
      canonical_headers += lowered[i].second + "\n";
      continue;
    }
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += lowered[i].first;
    canonical_headers += lowered[i].first + ":" + lowered[i].second + "\n";
  }

  SigV4Signature sig;
  sig.signed_headers = signed_headers;
  sig.canonical_request = std::string(method) + "\n" + SigV4CanonicalUri(path, signing.service == "s3") +
                          "\n" + SigV4CanonicalQuery(query) + "\n" + canonical_headers + "\n" +
                          signed_headers + "\n" + std::string(payload_hash);
  std::string date(amz_date.substr(0, 8));
  std::string scope = date + "/" + signing.region + "/" + signing.service + "/aws4_request";
  sig.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                       Sha256Hex(sig.canonical_request);
  std::string key = HmacSha256("AWS4" + signing.credentials.secret_access_key, date);
  key = HmacSha256(key, signing.region);
  key = HmacSha256(key, signing.service);
  key = HmacSha256(key, "aws4_request");
  sig.signature = HexEncode(HmacSha256(key, sig.string_to_sign));
  sig.authorization = "AWS4-HMAC-SHA256 Credential=" + signing.credentials.access_key_id + "/" + scope +
                      ", SignedHeaders=" + signed_headers + ", Signature=" + sig.signature;
  return sig;
}

}  // namespace proact::internal
