#include "cli/bench_command.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"

namespace proact::cli {

const char kBenchUsage[] =
    "usage: proact bench (--rules PATH... | --patterns FILE) --events FILE\n"
    "                    [--expected FILE] [--threads N] [--passes N] [--copy]\n"
    "                    [--validate-json] [--raw-events] [--input auto] [--json]\n"
    "\n"
    "Measures the whole pipeline, JSON text to decision, on events held in\n"
    "memory (one JSON event per line):\n"
    "  compile time   loading and compiling the policies\n"
    "  verification   with --expected, each event's matched policy ids must\n"
    "                 equal the JSON array on the same line of FILE (pattern\n"
    "                 indexes for --patterns, as gen_workloads.py writes them)\n"
    "  throughput     one warm-up pass, then --passes timed passes (default 5)\n"
    "                 over all events on --threads threads (default 1), each\n"
    "                 thread evaluating every event; the median pass is shown\n"
    "  latency        one pass timing each event: p50, p99 and max ns/event\n"
    "  rendering      on matched events, ns per rendered action (rendering on\n"
    "                 minus rendering off)\n"
    "  memory         peak resident set size of the process\n"
    "\n"
    "options:\n"
    "  --rules PATH      policy file or directory (repeatable)\n"
    "  --patterns FILE   JSON array of EventBridge patterns; pattern i is policy \"i\"\n"
    "  --events FILE     JSON Lines events\n"
    "  --expected FILE   JSON Lines match sets to verify against\n"
    "  --threads N       evaluating threads (default 1)\n"
    "  --passes N        timed passes (default 5)\n"
    "  --copy            evaluate with Engine::Evaluate, which copies each\n"
    "                    event, instead of EvaluatePadded (in place)\n"
    "  --validate-json   check every event is well-formed JSON in full\n"
    "                    (EngineOptions::validate_json)\n"
    "  --raw-events      match events as they are, EventBridge envelopes or\n"
    "                    not (EngineOptions::raw_events); by default an event\n"
    "                    without string source and detail-type is an error\n"
    "  --input auto      FILE holds raw payloads (EventBridge envelopes, CloudTrail\n"
    "                    records or log files, SQS or SNS deliveries...), one per\n"
    "                    line: each is normalized (proact::Normalizer) first. The\n"
    "                    figures above are then the engine alone on the\n"
    "                    normalized envelopes, and a second throughput line is\n"
    "                    the whole path, payload text to decision (normalize and\n"
    "                    evaluate; rendering for matches), per event\n"
    "  --json            print one JSON object instead of a table\n"
    "Exit status: 0 ok, 1 on mismatches, evaluation errors or bad input, 2 on\n"
    "bad usage.\n";

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

bool ReadLines(const std::string& path, std::vector<std::string>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out->push_back(std::move(line));
  }
  return true;
}

long PeakRssBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024L;
}

// The matched ids of a decision as a sorted JSON array, numbers when every id
// is a number (pattern files), strings otherwise.
nlohmann::json MatchSet(const Decision& d, bool numeric) {
  nlohmann::json out = nlohmann::json::array();
  if (numeric) {
    std::vector<long> ids;
    for (const PolicyMatch& m : d.matches) ids.push_back(std::stol(m.policy));
    std::sort(ids.begin(), ids.end());
    for (long id : ids) out.push_back(id);
  } else {
    std::vector<std::string> ids;
    for (const PolicyMatch& m : d.matches) ids.push_back(m.policy);
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids) out.push_back(id);
  }
  return out;
}

// Events held in memory as they were read: one buffer holding the file
// followed by kEventPadding zero bytes, and a view per line. Every event has
// at least kEventPadding readable bytes after it, so the engine can parse it
// in place.
struct EventSet {
  std::string data;
  std::vector<std::string_view> lines;
  bool copy = false;  // --copy: use Evaluate, which copies each event

  bool Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return false;
    std::size_t size = static_cast<std::size_t>(in.tellg());
    data.assign(size + kEventPadding, '\0');  // padding included: no regrowth
    in.seekg(0);
    if (!in.read(data.data(), static_cast<std::streamsize>(size))) return false;
    std::string_view all(data.data(), size);
    std::size_t start = 0;
    while (start < all.size()) {
      std::size_t end = all.find('\n', start);
      if (end == std::string_view::npos) end = all.size();
      std::string_view line = all.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) lines.push_back(line);
      start = end + 1;
    }
    return true;
  }
  // Holds `texts` (normalized envelopes) the same way.
  void Hold(const std::vector<std::string>& texts) {
    std::size_t size = 0;
    for (const std::string& t : texts) size += t.size() + 1;
    data.assign(size + kEventPadding, '\0');
    lines.clear();
    std::size_t at = 0;
    for (const std::string& t : texts) {
      std::memcpy(data.data() + at, t.data(), t.size());
      lines.emplace_back(data.data() + at, t.size());
      at += t.size();
      data[at++] = '\n';
    }
  }
  std::size_t size() const { return lines.size(); }
  Status Evaluate(const Engine& engine, std::size_t i, Scratch& scratch,
                  Decision* decision) const {
    return copy ? engine.Evaluate(lines[i], scratch, decision)
                : engine.EvaluatePadded(lines[i], scratch, decision);
  }
};

// Evaluates every event once on this thread; returns errors seen.
std::size_t Pass(const Engine& engine, const EventSet& events,
                 Scratch& scratch, Decision& decision) {
  std::size_t errors = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!events.Evaluate(engine, i, scratch, &decision).ok()) ++errors;
  }
  return errors;
}

// Normalizes and evaluates every payload once on this thread (the whole
// path, as a host runs it); returns the events evaluated.
std::size_t PipelinePass(const Normalizer& normalizer, const Engine& engine,
                         const std::vector<std::string_view>& payloads, NormalizeResult& result,
                         Scratch& scratch, std::vector<Decision>& decisions,
                         std::vector<Status>& statuses) {
  std::size_t events = 0;
  for (std::string_view payload : payloads) {
    engine.NormalizeAndEvaluate(normalizer, payload, {}, scratch, &result, &decisions, &statuses);
    events += result.events.size();
  }
  return events;
}

}  // namespace

int Bench(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  std::string patterns, events_path, expected_path;
  int threads = 1, passes = 5;
  bool json = false, copy = false, validate = false, raw_events = false, auto_input = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::cerr << "proact bench: " << a << " needs a value\n";
        return std::nullopt;
      }
      return args[++i];
    };
    auto number = [&](int* out) -> bool {
      std::optional<std::string> v = value();
      if (!v) return false;
      try {
        *out = std::stoi(*v);
      } catch (const std::exception&) {
        *out = 0;
      }
      if (*out < 1 || *out > 256) {
        std::cerr << "proact bench: " << a << " takes a number from 1 to 256\n";
        return false;
      }
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kBenchUsage;
      return 0;
    } else if (a == "--rules") {
      auto v = value();
      if (!v) return 2;
      rules.push_back(*v);
    } else if (a == "--patterns") {
      auto v = value();
      if (!v) return 2;
      patterns = *v;
    } else if (a == "--events") {
      auto v = value();
      if (!v) return 2;
      events_path = *v;
    } else if (a == "--expected") {
      auto v = value();
      if (!v) return 2;
      expected_path = *v;
    } else if (a == "--threads") {
      if (!number(&threads)) return 2;
    } else if (a == "--passes") {
      if (!number(&passes)) return 2;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--copy") {
      copy = true;
    } else if (a == "--validate-json") {
      validate = true;
    } else if (a == "--raw-events") {
      raw_events = true;
    } else if (a == "--input") {
      auto v = value();
      if (!v) return 2;
      if (*v != "auto" && *v != "envelope") {
        std::cerr << "proact bench: --input takes auto (raw payloads, normalized first) or "
                     "envelope (the default: events are EventBridge envelopes already)\n";
        return 2;
      }
      auto_input = *v == "auto";
    } else {
      std::cerr << "proact bench: unknown argument '" << a << "'\n" << kBenchUsage;
      return 2;
    }
  }
  if (rules.empty() == patterns.empty() || events_path.empty()) {
    std::cerr << "proact bench: give --events and one of --rules or --patterns\n"
              << kBenchUsage;
    return 2;
  }

  // Inputs first, so that compile time is the engine's alone.
  std::string pattern_text;
  if (!patterns.empty()) {
    // Read into a string of the file's size, not through a stream buffer
    // grown by doubling and then copied (two to three times the text for a
    // moment). A pipe has no size: it is read as a stream.
    std::ifstream in(patterns, std::ios::binary);
    std::error_code ec;
    bool regular = std::filesystem::is_regular_file(patterns, ec);
    std::uintmax_t size = regular ? std::filesystem::file_size(patterns, ec) : 0;
    if (in && regular && !ec) {
      pattern_text.resize(static_cast<std::size_t>(size));
      in.read(pattern_text.data(), static_cast<std::streamsize>(size));
    } else if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      pattern_text = text.str();
    }
    if (!in) {
      std::cerr << "proact bench: " << patterns << ": cannot be read\n";
      return 1;
    }
  }
  Clock::time_point t0 = Clock::now();
  Result<PolicySet> set = patterns.empty()
                              ? PolicySet::Load(rules)
                              : PolicySet::FromPatterns(pattern_text, patterns);
  double compile_ms = Seconds(Clock::now() - t0) * 1e3;
  if (!set.ok()) {
    for (const Diagnostic& d : set.status().diagnostics()) {
      std::cerr << d.ToString() << "\n";
    }
    std::cerr << "proact bench: " << set.status().message() << "\n";
    return 1;
  }
  long rss_compiled = PeakRssBytes();  // before any event was read
  std::vector<std::string> expected;
  EventSet events;
  events.copy = copy;
  if (!events.Read(events_path)) {
    std::cerr << "proact bench: " << events_path << ": cannot be read\n";
    return 1;
  }
  if (!expected_path.empty() && !ReadLines(expected_path, &expected)) {
    std::cerr << "proact bench: " << expected_path << ": cannot be read\n";
    return 1;
  }
  // --input auto: the payloads are kept for the whole-path measurement and
  // their envelopes take their place for everything else.
  EventSet payloads;
  std::size_t normalize_errors = 0;
  Normalizer normalizer;
  if (auto_input) {
    std::vector<std::string> envelopes;
    NormalizeResult r;
    for (std::size_t i = 0; i < events.size(); ++i) {
      normalizer.Normalize(events.lines[i], {}, &r);
      for (const NormalizedEvent& e : r.events) envelopes.push_back(e.json);
      for (const NormalizeError& e : r.errors) {
        if (normalize_errors++ == 0) {
          std::cerr << "proact bench: " << events_path << ":" << i + 1 << ": "
                    << (e.origin.empty() ? "" : e.origin + ": ") << e.message << "\n";
        }
      }
    }
    payloads = std::move(events);
    events = EventSet();
    events.copy = copy;
    events.Hold(envelopes);
  }
  std::size_t bytes = 0;
  for (std::string_view e : events.lines) bytes += e.size() + 1;
  std::size_t payload_bytes = 0;
  for (std::string_view e : payloads.lines) payload_bytes += e.size() + 1;

  EngineOptions render_off;
  render_off.render_actions = false;
  EngineOptions options;
  options.validate_json = validate;
  render_off.validate_json = validate;
  options.raw_events = raw_events;
  render_off.raw_events = raw_events;
  Engine engine(set.value(), options);
  Engine engine_no_render(set.value(), render_off);

  // Verification.
  Scratch scratch;
  Decision decision;
  std::size_t mismatches = 0, errors = 0, matched_events = 0, actions = 0;
  std::vector<std::size_t> matched_index;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (Status st = events.Evaluate(engine, i, scratch, &decision); !st.ok()) {
      // The first reason, so that a count of errors is never a mystery.
      if (errors++ == 0) {
        std::cerr << "proact bench: " << events_path << ":" << i + 1 << ": " << st.message() << "\n";
      }
      continue;
    }
    if (!decision.matches.empty()) {
      ++matched_events;
      matched_index.push_back(i);
      for (const PolicyMatch& m : decision.matches) actions += m.actions.size();
    }
    if (i < expected.size()) {
      nlohmann::json want = nlohmann::json::parse(expected[i], nullptr, false);
      bool numeric = want.is_array() && !want.empty() && want[0].is_number();
      if (want.is_discarded() || MatchSet(decision, numeric) != want) {
        if (mismatches < 5 && !json) {
          std::cerr << "mismatch on event " << i + 1 << ": expected " << expected[i]
                    << ", got " << MatchSet(decision, numeric).dump() << "\n";
        }
        ++mismatches;
      }
    }
  }
  if (!expected.empty() && expected.size() != events.size()) {
    std::cerr << "proact bench: " << expected.size() << " expected lines for "
              << events.size() << " events\n";
    mismatches += events.size() > expected.size() ? events.size() - expected.size()
                                                  : expected.size() - events.size();
  }

  // Throughput: every thread evaluates every event, passes in lockstep.
  // Threads time themselves (the main thread may not get a core while they
  // run); a pass lasts as long as its slowest thread.
  std::vector<double> rates;
  {
    std::vector<Scratch> scratches(threads);
    std::vector<Decision> decisions(threads);
    std::vector<std::vector<double>> seconds(threads, std::vector<double>(passes));
    std::barrier sync(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        Pass(engine, events, scratches[t], decisions[t]);  // warm-up
        for (int p = 0; p < passes; ++p) {
          sync.arrive_and_wait();
          Clock::time_point start = Clock::now();
          Pass(engine, events, scratches[t], decisions[t]);
          seconds[t][p] = Seconds(Clock::now() - start);
        }
      });
    }
    for (std::thread& th : pool) th.join();
    for (int p = 0; p < passes; ++p) {
      double slowest = 0;
      for (int t = 0; t < threads; ++t) slowest = std::max(slowest, seconds[t][p]);
      rates.push_back(static_cast<double>(events.size()) * threads / slowest);
    }
  }
  std::sort(rates.begin(), rates.end());
  double median = rates[rates.size() / 2];

  // --input auto: the whole path, threads and passes as above.
  std::vector<double> pipeline_rates;
  if (auto_input) {
    std::vector<Scratch> scratches(threads);
    std::vector<std::vector<Decision>> decisions(threads);
    std::vector<std::vector<Status>> statuses(threads);
    std::vector<NormalizeResult> results(threads);
    std::vector<std::vector<double>> seconds(threads, std::vector<double>(passes));
    std::vector<std::size_t> counted(threads);
    std::barrier sync(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        PipelinePass(normalizer, engine, payloads.lines, results[t], scratches[t], decisions[t],
                     statuses[t]);
        for (int p = 0; p < passes; ++p) {
          sync.arrive_and_wait();
          Clock::time_point start = Clock::now();
          counted[t] = PipelinePass(normalizer, engine, payloads.lines, results[t], scratches[t],
                                    decisions[t], statuses[t]);
          seconds[t][p] = Seconds(Clock::now() - start);
        }
      });
    }
    for (std::thread& th : pool) th.join();
    for (int p = 0; p < passes; ++p) {
      double slowest = 0;
      for (int t = 0; t < threads; ++t) slowest = std::max(slowest, seconds[t][p]);
      pipeline_rates.push_back(static_cast<double>(counted[0]) * threads / slowest);
    }
    std::sort(pipeline_rates.begin(), pipeline_rates.end());
  }

  // Latency.
  std::vector<double> ns(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    Clock::time_point start = Clock::now();
    (void)events.Evaluate(engine, i, scratch, &decision);
    ns[i] = Seconds(Clock::now() - start) * 1e9;
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double q) {
    return ns.empty() ? 0.0 : ns[std::min(ns.size() - 1, static_cast<std::size_t>(q * ns.size()))];
  };

  // Rendering cost per action, on the matched events only.
  double render_ns = 0;
  if (actions > 0) {
    auto time_matched = [&](const Engine& e) {
      const int reps = std::max<int>(1, static_cast<int>(20000 / matched_index.size()));
      Clock::time_point start = Clock::now();
      for (int r = 0; r < reps; ++r) {
        for (std::size_t i : matched_index) (void)events.Evaluate(e, i, scratch, &decision);
      }
      return Seconds(Clock::now() - start) * 1e9 / reps;
    };
    time_matched(engine);
    double with = time_matched(engine);
    double without = time_matched(engine_no_render);
    render_ns = std::max(0.0, (with - without) / static_cast<double>(actions));
  }

  long rss = PeakRssBytes();
  if (json) {
    nlohmann::ordered_json out;
    out["policies"] = set.value().size();
    out["events"] = events.size();
    out["threads"] = threads;
    out["passes"] = passes;
    out["input"] = copy ? "copied" : "in place";
    out["validate_json"] = validate;
    out["raw_events"] = raw_events;
    out["input_mode"] = auto_input ? "auto" : "envelope";
    out["events_per_second"] = median;
    out["events_per_second_min"] = rates.front();
    out["events_per_second_max"] = rates.back();
    out["mb_per_second"] = median * (static_cast<double>(bytes) / events.size()) / 1e6;
    if (auto_input) {
      out["payloads"] = payloads.size();
      out["normalize_evaluate_events_per_second"] = pipeline_rates[pipeline_rates.size() / 2];
      out["normalize_evaluate_events_per_second_min"] = pipeline_rates.front();
      out["normalize_evaluate_events_per_second_max"] = pipeline_rates.back();
      out["normalize_errors"] = normalize_errors;
    }
    out["ns_per_event_p50"] = pct(0.50);
    out["ns_per_event_p99"] = pct(0.99);
    out["ns_per_event_max"] = ns.empty() ? 0.0 : ns.back();
    out["compile_ms"] = compile_ms;
    out["peak_rss_bytes"] = rss;
    out["peak_rss_after_compile_bytes"] = rss_compiled;
    out["event_bytes_held"] = bytes;
    out["matched_events"] = matched_events;
    out["actions_rendered"] = actions;
    out["ns_per_rendered_action"] = render_ns;
    out["errors"] = errors;
    out["mismatches"] = expected.empty() ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(mismatches);
    std::cout << out.dump() << "\n";
  } else {
    std::printf("policies            %zu\n", set.value().size());
    std::printf("events              %zu (%.1f bytes mean)\n", events.size(),
                events.size() == 0 ? 0.0 : static_cast<double>(bytes) / events.size());
    std::printf("compile             %.2f ms\n", compile_ms);
    std::printf("input               %s\n", copy ? "copied (Evaluate)" : "parsed in place (EvaluatePadded)");
    std::printf("throughput          %.0f events/s median of %d (min %.0f, max %.0f), %d thread%s, %.1f MB/s\n",
                median, passes, rates.front(), rates.back(), threads, threads == 1 ? "" : "s",
                median * (events.size() == 0 ? 0.0 : static_cast<double>(bytes) / events.size()) / 1e6);
    if (auto_input) {
      std::printf("payloads            %zu (%.1f bytes mean), normalized first (--input auto)\n",
                  payloads.size(),
                  payloads.size() == 0 ? 0.0 : static_cast<double>(payload_bytes) / payloads.size());
      std::printf("normalize+evaluate  %.0f events/s median of %d (min %.0f, max %.0f); the line above is the engine alone\n",
                  pipeline_rates[pipeline_rates.size() / 2], passes, pipeline_rates.front(),
                  pipeline_rates.back());
      std::printf("normalize errors    %zu\n", normalize_errors);
    }
    std::printf("latency             p50 %.0f ns, p99 %.0f ns, max %.0f ns\n", pct(0.50), pct(0.99),
                ns.empty() ? 0.0 : ns.back());
    std::printf("matched events      %zu, %zu actions rendered", matched_events, actions);
    if (actions > 0) std::printf(", %.0f ns per action", render_ns);
    std::printf("\n");
    std::printf("peak RSS            %.1f MiB (%.1f MiB after compiling, before reading events; %.1f MiB of events held)\n",
                static_cast<double>(rss) / (1 << 20), static_cast<double>(rss_compiled) / (1 << 20),
                static_cast<double>(bytes) / (1 << 20));
    std::printf("errors              %zu\n", errors);
    if (!expected.empty()) std::printf("mismatches          %zu\n", mismatches);
  }
  return (mismatches > 0 || errors > 0 || normalize_errors > 0) ? 1 : 0;
}

}  // namespace proact::cli
