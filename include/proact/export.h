// Symbol visibility for the proact library.
//
// The library is compiled with -fvisibility=hidden; only declarations marked
// PROACT_EXPORT are part of its ABI. Besides the public API, a few internal
// functions (in src/ headers, namespace proact::internal) are marked because
// the adapter libraries built from this tree (proact::host, proact::http,
// proact::redis) call them; they are not API. The shared-library build in CI
// (preset `shared`) links the CLI, the adapters, the C API test and the
// Python module against libproact.so, so a missing mark fails it.
#ifndef PROACT_EXPORT_H_
#define PROACT_EXPORT_H_

#if defined(_WIN32)
#define PROACT_EXPORT
#else
#define PROACT_EXPORT [[gnu::visibility("default")]]
#endif

#endif  // PROACT_EXPORT_H_
