// The payloads `proact normalize`, `explain`, `eval` and `plan` read, and how
// they report one that cannot be read.
#ifndef PROACT_SRC_CLI_PAYLOADS_H_
#define PROACT_SRC_CLI_PAYLOADS_H_

#include <cstddef>
#include <functional>
#include <string>

#include "proact/normalizer.h"

namespace proact::cli {

// One payload of the input: a line of JSON Lines, or the whole input when it
// is a single JSON document (a pretty-printed file).
struct Payload {
  std::size_t line;
  std::string text;
};

// Calls `fn` for each payload as it is read: JSON Lines are handled line by
// line (so a live stream gets its decisions at once). When the first line
// is not JSON on its own but the whole input is one JSON document (a
// pretty-printed file), that document is the one payload. `file` "-" is
// stdin; `*name` is set to the name used in messages. False when the file
// cannot be read (after printing why).
bool StreamPayloads(const std::string& file, std::string* name,
                    const std::function<void(const Payload&)>& fn);

// Webhook secrets come from the environment, never from files or flags.
Normalizer NormalizerFromEnvironment();

// Prints one payload's error as a JSON line.
void PrintError(const std::string& name, std::size_t line, const std::string& origin,
                const std::string& error);

// Prints a subscription handshake's answer as a JSON line.
void PrintChallenge(std::size_t line, const Challenge& c);

}  // namespace proact::cli

#endif  // PROACT_SRC_CLI_PAYLOADS_H_
