// Symbol visibility for the proact library.
//
// The library is compiled with -fvisibility=hidden; only declarations marked
// PROACT_EXPORT are part of its ABI.
#ifndef PROACT_EXPORT_H_
#define PROACT_EXPORT_H_

#if defined(_WIN32)
#define PROACT_EXPORT
#else
#define PROACT_EXPORT [[gnu::visibility("default")]]
#endif

#endif  // PROACT_EXPORT_H_
