// The loopback fake providers (tests/remediation/fake_providers.py) for
// host tests: a child process that records, verifies (SigV4 by botocore,
// GitHub App JWTs by PyJWT) and answers as scripted.
#ifndef PROACT_TESTS_HOST_FAKE_PROVIDERS_H_
#define PROACT_TESTS_HOST_FAKE_PROVIDERS_H_

#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host/remediation/credentials.h"
#include "host_test_util.h"

namespace proact::internal::fake {

using namespace std::chrono_literals;
using nlohmann::json;

inline constexpr char kKey[] = "AKIDEXAMPLEPROACT01";
inline constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzSECRETzz";
inline constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENzz";

inline bool PythonHas(const char* module) {
  std::string command = std::string("/usr/bin/python3 -c 'import ") + module + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

inline bool FakeAvailable() {
  static const bool ok = PythonHas("botocore");
  return ok;
}

#define REQUIRE_FAKE()                                                                  \
  if (!FakeAvailable()) {                                                               \
    MESSAGE("skipped: the fake providers need /usr/bin/python3 with botocore "          \
            "(Debian python3-botocore)");                                               \
    return;                                                                             \
  }

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/proact-remediation-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// fake_providers.py as a child process.
class Fake {
 public:
  explicit Fake(std::vector<std::string> extra = {}) {
    std::string port_file = dir_.path() + "/port";
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(PROACT_SOURCE_DIR) + "/tests/remediation/fake_providers.py",
                                     "--port-file", port_file, "--aws-key", kKey, "--aws-secret", kSecret};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child_ = std::make_unique<testing::Child>(argv, std::map<std::string, std::string>{},
                                              dir_.path() + "/log");
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      std::string text = testing::ReadFile(port_file);
      if (!text.empty()) {
        port_ = std::stoi(text);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE_MESSAGE(port_ > 0, "fake_providers.py did not start: " << testing::ReadFile(dir_.path() + "/log"));
  }
  int port() const { return port_; }
  std::string hostport() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path = "") const { return "http://" + hostport() + path; }
  json Requests() const {
    httplib::Client cli("127.0.0.1", port_);
    auto res = cli.Get("/_fake/requests");
    REQUIRE(res);
    return json::parse(res->body);
  }
  void Script(const json& script) const {
    httplib::Client cli("127.0.0.1", port_);
    auto res = cli.Post("/_fake/script", script.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
  }
  void Reset() const {
    httplib::Client cli("127.0.0.1", port_);
    REQUIRE(cli.Post("/_fake/reset", "", "application/json"));
  }

 private:
  TempDir dir_;
  std::unique_ptr<testing::Child> child_;
  int port_ = 0;
};

inline CredentialBroker::Getenv EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fresh RSA key: the private key in PKCS#1 PEM (as GitHub hands it out),
// the public key in SubjectPublicKeyInfo PEM.
inline void NewRsaKey(std::string* private_pem, std::string* public_pem) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  REQUIRE(key != nullptr);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey_traditional(priv, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  REQUIRE(PEM_write_bio_PUBKEY(pub, key) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(priv, &data);
  private_pem->assign(data, n);
  n = BIO_get_mem_data(pub, &data);
  public_pem->assign(data, n);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
}

// Checks the fake's record of a signed request.
inline void CheckVerified(const json& r, const std::string& service, const std::string& region) {
  INFO("request: " << r.dump(2));
  CHECK(r["sigv4"]["present"] == true);
  CHECK(r["sigv4"]["verified"] == true);
  CHECK(r["sigv4"]["error"] == "");
  CHECK(r["sigv4"]["service"] == service);
  CHECK(r["sigv4"]["region"] == region);
}

// `secret` appears nowhere in `text`.
inline void CheckAbsent(const std::string& text, const std::string& secret) {
  INFO("looking for a secret in: " << text);
  CHECK(text.find(secret) == std::string::npos);
}

}  // namespace proact::internal::fake

#endif  // PROACT_TESTS_HOST_FAKE_PROVIDERS_H_
