// `proact report --format html`: one page with no network access, no
// script and no external font: the figures of model.h as tables (each
// with its formula) and three inline SVG charts.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "cli/report/model.h"

#include "util/strings.h"

namespace proact::cli::report {
namespace {

std::string Esc(const std::string& s) { return internal::XmlEscape(s); }

const Figure* Find(const Group& g, const std::string& name) {
  for (const Figure& f : g.figures) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double Value(const Group& g, const std::string& name) {
  const Figure* f = Find(g, name);
  return f != nullptr ? f->value : 0;
}

// A readable number: 2 decimals from 1, else 3 significant digits, in
// plain decimals (the tables below give every digit).
std::string Short(double v) {
  char buf[64];
  if (std::fabs(v) >= 1 || v == 0) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  } else {
    int decimals = 2 - static_cast<int>(std::floor(std::log10(std::fabs(v))));
    std::snprintf(buf, sizeof buf, "%.*f", std::min(24, decimals), v);
  }
  return buf;
}

std::string Usd(double v) { return Short(v) + " USD"; }

constexpr int kWidth = 720;

// Savings over time: one bar per period, its net savings.
std::string TimeChart(const Summary& s) {
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& [label, groups] : s.periods) bars.emplace_back(label, Value(groups.back(), "net_savings_usd"));
  double hi = 0, lo = 0;
  for (const auto& b : bars) hi = std::max(hi, b.second), lo = std::min(lo, b.second);
  if (hi == lo) hi = lo + 1;
  const int h = 260, top = 30, bottom = 50, left = 70, right = 20;
  const double plot_h = h - top - bottom, plot_w = kWidth - left - right;
  auto y = [&](double v) { return top + (hi - v) / (hi - lo) * plot_h; };
  std::ostringstream o;
  o << "<svg id=\"chart-time\" class=\"chart\" role=\"img\" width=\"" << kWidth << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << kWidth << " " << h << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<title>Net savings per period</title>";
  o << "<line x1=\"" << left << "\" y1=\"" << y(0) << "\" x2=\"" << kWidth - right << "\" y2=\"" << y(0)
    << "\" stroke=\"#444\"/>";
  o << "<text x=\"" << left - 6 << "\" y=\"" << y(hi) + 4 << "\" text-anchor=\"end\">" << Esc(Usd(hi)) << "</text>";
  o << "<text x=\"" << left - 6 << "\" y=\"" << y(0) + 4 << "\" text-anchor=\"end\">0</text>";
  double slot = bars.empty() ? plot_w : plot_w / static_cast<double>(bars.size());
  double bw = std::min(80.0, slot * 0.6);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    double x = left + slot * static_cast<double>(i) + (slot - bw) / 2;
    double y0 = y(std::max(0.0, bars[i].second)), y1 = y(std::min(0.0, bars[i].second));
    o << "<rect class=\"bar\" x=\"" << x << "\" y=\"" << y0 << "\" width=\"" << bw << "\" height=\""
      << std::max(1.0, y1 - y0) << "\" fill=\"" << (bars[i].second >= 0 ? "#2a7d4f" : "#b3362d")
      << "\"><title>" << Esc(bars[i].first) << ": " << Esc(Usd(bars[i].second)) << "</title></rect>";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << y0 - 5 << "\" text-anchor=\"middle\">"
      << Esc(Usd(bars[i].second)) << "</text>";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << h - bottom + 18 << "\" text-anchor=\"middle\">"
      << Esc(bars[i].first) << "</text>";
  }
  o << "<text x=\"" << left << "\" y=\"16\" class=\"axis\">net savings (USD) per "
    << (s.periods.empty() || s.periods.front().first.rfind("week", 0) != 0 ? "day" : "week") << "</text>";
  o << "</svg>";
  return o.str();
}

// Remediations per policy: horizontal bars.
std::string RemediationChart(const Summary& s) {
  std::vector<const Group*> policies;
  for (const Group& g : s.overall) {
    if (!g.policy.empty()) policies.push_back(&g);
  }
  double hi = 1;
  for (const Group* g : policies) hi = std::max(hi, static_cast<double>(g->row.remediations));
  const int row = 28, top = 30, left = 230, right = 60;
  const int h = top + row * static_cast<int>(std::max<std::size_t>(1, policies.size())) + 20;
  std::ostringstream o;
  o << "<svg id=\"chart-remediations\" class=\"chart\" role=\"img\" width=\"" << kWidth << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << kWidth << " " << h << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<title>Remediations per policy</title>";
  o << "<text x=\"" << left << "\" y=\"16\" class=\"axis\">remediations (matches whose actions all ran)</text>";
  for (std::size_t i = 0; i < policies.size(); ++i) {
    double v = static_cast<double>(policies[i]->row.remediations);
    double w = v / hi * (kWidth - left - right);
    int y = top + row * static_cast<int>(i);
    o << "<text x=\"" << left - 8 << "\" y=\"" << y + 17 << "\" text-anchor=\"end\">" << Esc(policies[i]->policy)
      << "</text>";
    o << "<rect class=\"bar\" x=\"" << left << "\" y=\"" << y + 4 << "\" width=\"" << std::max(1.0, w)
      << "\" height=\"18\" fill=\"#3465a4\"><title>" << Esc(policies[i]->policy) << ": " << Number(v)
      << " remediations</title></rect>";
    o << "<text x=\"" << left + std::max(1.0, w) + 6 << "\" y=\"" << y + 17 << "\">" << Number(v) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

// Cost per execution against the human cost per remediation, per policy,
// on a logarithmic scale (they differ by orders of magnitude).
std::string CostChart(const Summary& s) {
  struct Pair {
    std::string policy;
    double cost, human;
  };
  std::vector<Pair> pairs;
  double lo = 1e300, hi = 0;
  for (const Group& g : s.overall) {
    Pair p{g.policy.empty() ? "all policies" : g.policy, Value(g, "cost_per_execution_usd"),
           Value(g, "human_cost_per_remediation_usd")};
    for (double v : {p.cost, p.human}) {
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    pairs.push_back(p);
  }
  if (hi == 0) lo = 0.01, hi = 1;
  double e0 = std::floor(std::log10(lo)), e1 = std::ceil(std::log10(hi));
  if (e1 <= e0) e1 = e0 + 1;
  const int row = 44, top = 40, left = 230, right = 110;
  const int h = top + row * static_cast<int>(std::max<std::size_t>(1, pairs.size())) + 40;
  const double plot_w = kWidth - left - right;
  auto x = [&](double v) { return left + (std::log10(v) - e0) / (e1 - e0) * plot_w; };
  std::ostringstream o;
  o << "<svg id=\"chart-cost\" class=\"chart\" role=\"img\" width=\"" << kWidth << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << kWidth << " " << h << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<title>Cost per execution against human cost per remediation</title>";
  o << "<rect x=\"" << left << "\" y=\"8\" width=\"12\" height=\"12\" fill=\"#c17d11\"/><text x=\"" << left + 16
    << "\" y=\"18\">platform cost per execution</text>";
  o << "<rect x=\"" << left + 220 << "\" y=\"8\" width=\"12\" height=\"12\" fill=\"#2a7d4f\"/><text x=\""
    << left + 236 << "\" y=\"18\">human cost per remediation</text>";
  const int label_every = static_cast<int>(std::ceil((e1 - e0 + 1) / 5));
  for (double e = e0; e <= e1; e += 1) {
    double xe = left + (e - e0) / (e1 - e0) * plot_w;
    o << "<line x1=\"" << xe << "\" y1=\"" << top - 4 << "\" x2=\"" << xe << "\" y2=\"" << h - 30
      << "\" stroke=\"#ddd\"/>";
    if (static_cast<int>(e1 - e) % label_every != 0) continue;
    o << "<text x=\"" << xe << "\" y=\"" << h - 14 << "\" text-anchor=\"middle\" class=\"tick\">"
      << Esc(Number(std::pow(10.0, e))) << "</text>";
  }
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    int y = top + row * static_cast<int>(i);
    o << "<text x=\"" << left - 8 << "\" y=\"" << y + 22 << "\" text-anchor=\"end\">" << Esc(pairs[i].policy)
      << "</text>";
    int k = 0;
    for (auto [v, color, what] : {std::tuple<double, const char*, const char*>{pairs[i].cost, "#c17d11", "cost per execution"},
                                  {pairs[i].human, "#2a7d4f", "human cost per remediation"}}) {
      int yy = y + 2 + 19 * k++;
      double w = v > 0 ? std::max(1.0, x(v) - left) : 0;
      if (w > 0) {
        o << "<rect class=\"bar\" x=\"" << left << "\" y=\"" << yy << "\" width=\"" << w
          << "\" height=\"16\" fill=\"" << color << "\"><title>" << Esc(pairs[i].policy) << ", " << what << ": "
          << Number(v) << " USD</title></rect>";
      }
      o << "<text x=\"" << left + w + 6 << "\" y=\"" << yy + 13 << "\" class=\"tick\">"
        << (v > 0 ? Esc(Usd(v)) : "none") << "</text>";
    }
  }
  o << "<text x=\"" << left << "\" y=\"" << h - 1 << "\" class=\"tick\">USD, logarithmic scale (each line 10x the one before)</text>";
  o << "</svg>";
  return o.str();
}

std::string Table(const Group& g) {
  std::ostringstream o;
  o << "<table class=\"figures\"><thead><tr><th>figure</th><th>value</th><th>formula, with the inputs</th></tr>"
       "</thead><tbody>";
  for (const Figure& f : g.figures) {
    o << "<tr data-figure=\"" << Esc(f.name) << "\"><td>" << Esc(f.label) << "</td><td class=\"num\">"
      << Esc(Number(f.value)) << (f.unit.empty() ? "" : " " + Esc(f.unit)) << "</td><td class=\"formula\">"
      << Esc(f.formula) << "</td></tr>";
  }
  o << "</tbody></table>";
  return o.str();
}

}  // namespace

std::string Html(const Log& log, const Prices& prices, const Summary& s, Period period,
                 const std::vector<std::pair<std::string, std::string>>& inputs) {
  const Group& total = s.overall.back();
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<title>proact: savings from automated remediation</title><style>"
       "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222;line-height:1.4}"
       "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}"
       "h3{font-size:1.05em}.cards{display:flex;flex-wrap:wrap;gap:.6em}"
       ".card{border:1px solid #ccc;border-radius:4px;padding:.5em .8em;min-width:9em}"
       ".card b{display:block;font-size:1.3em}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
       "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
       ".num{text-align:right;white-space:nowrap}.formula{font-family:monospace;font-size:.95em}"
       "svg.chart{display:block;margin:.5em 0;font-size:12px}svg .axis{font-weight:bold}"
       "svg .tick{fill:#555;font-size:11px}"
       "</style></head><body>\n";
  o << "<h1>Savings from automated remediation</h1>\n";
  o << "<p>proact watches events from cloud accounts and tools (a bucket created, a key leaked, "
       "a setting changed) and, when one breaks a policy, runs the fix the policy describes. Each "
       "fix that ran (a <em>remediation</em>) is work a person did not have to do; each policy "
       "states what that work would cost (its <code>savings</code>: minutes and US dollars). "
       "This page sets that <em>human cost avoided</em> against what the cloud platform billed "
       "for running proact (<em>platform cost</em>): the difference is the <em>net savings</em>. "
       "Every figure is shown with its formula and the numbers it was computed from, so it can "
       "be checked by hand.</p>\n";
  o << "<p>Log: " << Esc(PeriodLabel(log.first_ms, Period::kDay)) << " to "
    << Esc(PeriodLabel(log.last_ms, Period::kDay)) << ", platform: " << Esc(PlatformName(prices.platform))
    << ", " << log.lines << " lines read.</p>\n";
  o << "<div class=\"cards\" id=\"totals\">";
  for (const char* name : {"executions", "remediations", "platform_cost_usd", "cost_per_execution_usd",
                           "human_cost_usd", "net_savings_usd"}) {
    const Figure* f = Find(total, name);
    if (f == nullptr) continue;
    o << "<div class=\"card\" data-figure=\"" << name << "\">" << Esc(f->label) << "<b>"
      << Esc(f->unit.empty() ? Number(f->value) : Short(f->value) + " " + f->unit) << "</b></div>";
  }
  o << "</div>\n<p>Rounded here; the tables below give every figure in full with its formula.</p>\n";
  o << "<h2>Savings over time</h2><p>Net savings (human cost avoided minus platform cost) of each "
    << (period == Period::kDay ? "day" : "week") << ".</p>" << TimeChart(s) << "\n";
  o << "<h2>Remediations per policy</h2><p>How many times each policy's fix ran to the end.</p>"
    << RemediationChart(s) << "\n";
  o << "<h2>Cost per execution against human cost</h2><p>What one execution of proact cost on the "
       "platform, beside what the task it replaces costs when a person does it.</p>"
    << CostChart(s) << "\n";
  o << "<h2>Inputs</h2><table id=\"inputs\"><tbody>";
  for (const auto& [name, value] : inputs) {
    o << "<tr><td>" << Esc(name) << "</td><td>" << Esc(value) << "</td></tr>";
  }
  o << "</tbody></table>\n";
  o << "<h2>Figures for the whole log</h2>\n";
  for (const Group& g : s.overall) {
    o << "<h3>" << (g.policy.empty() ? "Total" : "Policy " + Esc(g.policy)) << "</h3>" << Table(g) << "\n";
  }
  for (const auto& [label, groups] : s.periods) {
    o << "<h2>" << Esc(label) << "</h2>\n";
    for (const Group& g : groups) {
      o << "<h3>" << (g.policy.empty() ? "Total" : "Policy " + Esc(g.policy)) << "</h3>" << Table(g) << "\n";
    }
  }
  o << "<p>Written by <code>proact report --format html</code>. A policy's executions are those in "
       "which one of its events matched; an execution that matched two policies counts for both, "
       "and once in the total.</p>\n</body></html>\n";
  return o.str();
}

}  // namespace proact::cli::report
