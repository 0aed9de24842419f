#include "compile/anchor_planner.h"

#include <algorithm>
#include <map>
#include <utility>

namespace proact::internal {
namespace {

// Products of value counts above this make a pair anchor too costly to
// enumerate at compile time; such rules keep a single-field anchor.
constexpr std::size_t kMaxPairCombinations = 64;
bool Anchorable(const Program& p, const FieldTest& ft) {
  if (ft.exists_false || ft.tests_count == 0) return false;
  for (std::uint32_t i = 0; i < ft.tests_count; ++i) {
    TestOp op = p.value_tests[ft.tests_begin + i].op;
    if (op != TestOp::kString && op != TestOp::kNumber && op != TestOp::kTrue &&
        op != TestOp::kFalse && op != TestOp::kNull)
      return false;
  }
  return true;
}

// fn(kind, bytes, string id or ValueIndex::kNoString) for each exact value
// of the test.
template <typename Fn>
void ForEachKeyId(const Program& p, const FieldTest& ft, Fn fn) {
  char buf[8];
  constexpr std::uint32_t kNone = ValueIndex::kNoString;
  for (std::uint32_t i = 0; i < ft.tests_count; ++i) {
    const ValueTest& t = p.value_tests[ft.tests_begin + i];
    switch (t.op) {
      case TestOp::kString: fn(ValueKind::kString, std::string_view(p.strings[t.a]), t.a); break;
      case TestOp::kNumber: fn(ValueKind::kNumber, NumberKeyBytes(p.numbers[t.a], buf), kNone); break;
      case TestOp::kTrue: fn(ValueKind::kTrue, std::string_view(), kNone); break;
      case TestOp::kFalse: fn(ValueKind::kFalse, std::string_view(), kNone); break;
      case TestOp::kNull: fn(ValueKind::kNull, std::string_view(), kNone); break;
      default: break;
    }
  }
}

template <typename Fn>
void ForEachKey(const Program& p, const FieldTest& ft, Fn fn) {
  ForEachKeyId(p, ft, [&](ValueKind k, std::string_view bytes, std::uint32_t) { fn(k, bytes); });
}

struct Candidate {
  std::uint32_t test;   // offset in the rule's field tests
  std::size_t cost;     // rules sharing its values (including this one)
  std::size_t values;   // number of values
};

}  // namespace

// Calls fn(f, test) for each exact-valued field test of rule r.
template <typename Fn>
void ForEachAnchorable(const Program& p, std::uint32_t r, Fn fn) {
  const Rule& rule = p.rules[r];
  for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
    const FieldTest& ft = p.field_tests[rule.field_tests_begin + f];
    if (Anchorable(p, ft)) fn(f, ft);
  }
}

void PlanAnchors(Program* p) {
  // How many rules share each (field, value).
  ValueIndex counts;
  for (std::uint32_t r = 0; r < p->rules.size(); ++r) {
    if (p->rules[r].is_except) continue;
    ForEachAnchorable(*p, r, [&](std::uint32_t, const FieldTest& ft) {
      ForEachKey(*p, ft, [&](ValueKind k, std::string_view bytes) {
        counts.Add(ft.field, k, bytes, r);
      });
    });
  }
  p->anchor_field.assign(p->trie.field_paths.size(), 0);
  p->hashed_field.assign(p->trie.field_paths.size(), 0);

  // Each anchor field and each pair signature costs one index lookup per
  // event, and each rule the index yields costs a verification. A pair of
  // exact fields is far more selective than either alone (every pattern of
  // a set may pin `source`, many share an account, and events concentrate
  // on a few popular values), so a rule with two exact-valued fields is
  // anchored on its two most selective ones; a rule with one is anchored on
  // it alone.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> signatures;
  std::vector<Candidate> candidates;
  // First each rule's anchor is chosen (its anchor tests moved first), then,
  // with the indexes sized, its keys are added.
  struct Anchor {
    std::uint32_t rule;
    std::int32_t sig;  // pair signature, or -1: anchored on tests[0] alone
  };
  std::vector<Anchor> anchors;
  std::size_t single_adds = 0, single_bytes = 0, pair_adds = 0, pair_bytes = 0,
              fallback_adds = 0, fallback_bytes = 0;
  auto key_bytes = [&](const FieldTest& ft, std::size_t* adds, std::size_t* bytes) {
    ForEachKey(*p, ft, [&](ValueKind, std::string_view v) {
      ++*adds;
      *bytes += v.size();
    });
  };
  for (std::uint32_t r = 0; r < p->rules.size(); ++r) {
    Rule& rule = p->rules[r];
    if (rule.is_except) continue;
    candidates.clear();
    ForEachAnchorable(*p, r, [&](std::uint32_t f, const FieldTest& ft) {
      Candidate c{f, 0, ft.tests_count};
      ForEachKey(*p, ft, [&](ValueKind k, std::string_view bytes) {
        c.cost += counts.Count(ft.field, k, bytes);
      });
      candidates.push_back(c);
    });
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
    if (candidates.empty()) {
      p->unanchored_rules.push_back(r);
      continue;
    }
    FieldTest* tests = &p->field_tests[rule.field_tests_begin];
    bool pair = candidates.size() >= 2 &&
                candidates[0].values * candidates[1].values <= kMaxPairCombinations;
    if (!pair) {
      std::swap(tests[0], tests[candidates[0].test]);
      const FieldTest& ft = tests[0];
      key_bytes(ft, &single_adds, &single_bytes);
      p->anchor_field[ft.field] = 1;
      p->hashed_field[ft.field] = 1;
      anchors.push_back(Anchor{r, -1});
      continue;
    }
    // Anchor tests first, lower field id first, then the rest.
    std::uint32_t i0 = candidates[0].test, i1 = candidates[1].test;
    if (tests[i0].field > tests[i1].field) std::swap(i0, i1);
    FieldTest a = tests[i0], b = tests[i1];
    std::vector<FieldTest> rest;
    for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
      if (f != i0 && f != i1) rest.push_back(tests[f]);
    }
    tests[0] = a;
    tests[1] = b;
    std::copy(rest.begin(), rest.end(), tests + 2);
    auto [it, inserted] = signatures.emplace(
        std::make_pair(a.field, b.field),
        static_cast<std::uint32_t>(p->pair_signatures.size()));
    if (inserted) p->pair_signatures.push_back(PairSignature{a.field, b.field});
    p->hashed_field[a.field] = p->hashed_field[b.field] = 1;
    std::size_t a_adds = 0, a_bytes = 0, b_adds = 0, b_bytes = 0;
    key_bytes(a, &a_adds, &a_bytes);
    key_bytes(b, &b_adds, &b_bytes);
    fallback_adds += a_adds;
    fallback_bytes += a_bytes;
    pair_adds += a_adds * b_adds;
    // Each stored pair key: per value a kind byte and a string id, or a
    // 4-byte length and at most 8 bytes (a number).
    pair_bytes += a_adds * b_adds * 2 * 13;
    anchors.push_back(Anchor{r, static_cast<std::int32_t>(it->second)});
  }
  counts = ValueIndex();  // done with: freed before the indexes grow
  // Single anchors and fallbacks share a few values (a source, an API
  // name); pair keys are mostly distinct.
  p->index.Reserve(single_adds, single_bytes, false);
  // Pair keys refer to the strings by id; nothing adds strings after this.
  p->pair_index.SetStringPool(p->strings.data(), p->strings.size());
  p->pair_index.Reserve(pair_adds, pair_bytes, true);
  p->pair_fallback.Reserve(fallback_adds, fallback_bytes, false);
  std::string key;
  for (const Anchor& anchor : anchors) {
    std::uint32_t r = anchor.rule;
    const FieldTest* tests = &p->field_tests[p->rules[r].field_tests_begin];
    if (anchor.sig < 0) {
      const FieldTest& ft = tests[0];
      ForEachKey(*p, ft, [&](ValueKind k, std::string_view bytes) {
        p->index.Add(ft.field, k, bytes, r);
      });
      continue;
    }
    std::uint32_t sig = static_cast<std::uint32_t>(anchor.sig);
    const FieldTest& a = tests[0];
    const FieldTest& b = tests[1];
    ForEachKeyId(*p, a, [&](ValueKind ka, std::string_view va, std::uint32_t ida) {
      p->pair_fallback.Add(sig, ka, va, r);
      ForEachKeyId(*p, b, [&](ValueKind kb, std::string_view vb, std::uint32_t idb) {
        key.clear();
        AppendPairKey(&key, ka, va);
        AppendPairKey(&key, kb, vb);
        p->pair_index.AddPairHashed(
            sig, key, ka, va, ida, kb, vb, idb,
            ValueIndex::PairHash(ValueIndex::ValueHash(ka, va),
                                 ValueIndex::ValueHash(kb, vb)),
            r);
      });
    });
  }
  p->index.Build();
  p->pair_index.Build();
  p->pair_fallback.Build();
}

}  // namespace proact::internal
