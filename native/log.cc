// libbpf's print callback. Output goes to stderr filtered by a level the JS side sets (default:
// warnings, libbpf's highest level, which is where it reports errors). While bpf_object__load runs,
// messages are collected instead, so a failed load can carry the verifier log in its error and a
// successful one prints only what passes the filter.
#include <bpf/libbpf.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <utility>
#include <vector>

#include "addon.h"

namespace fwctl {
namespace {

std::atomic<int> g_level{1};  // 0 silent, 1 warn, 2 info, 3 debug

struct Capture {
  bool active = false;
  std::string text;                                   // WARN and INFO lines, for the error
  std::vector<std::pair<int, std::string>> pending;  // (libbpf level, line) for a later flush
};
thread_local Capture t_capture;

bool Passes(int libbpfLevel) { return libbpfLevel < g_level.load(std::memory_order_relaxed); }

int PrintFn(enum libbpf_print_level level, const char* fmt, va_list args) {
  Capture& c = t_capture;
  if (!c.active) {
    if (!Passes(level)) return 0;
    return vfprintf(stderr, fmt, args);
  }
  if (level == LIBBPF_DEBUG && !Passes(level)) return 0;
  char small[512];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return n;
  std::string line;
  if (static_cast<size_t>(n) < sizeof small) {
    line.assign(small, n);
  } else {
    line.resize(n + 1);
    vsnprintf(line.data(), n + 1, fmt, args);
    line.resize(n);
  }
  if (level != LIBBPF_DEBUG) c.text += line;
  c.pending.emplace_back(level, std::move(line));
  return n;
}

}  // namespace

void InstallPrintCallback() { libbpf_set_print(PrintFn); }
void SetLogLevel(int level) { g_level.store(level, std::memory_order_relaxed); }
int GetLogLevel() { return g_level.load(std::memory_order_relaxed); }

void BeginLogCapture() {
  t_capture.active = true;
  t_capture.text.clear();
  t_capture.pending.clear();
}

std::string EndLogCapture() {
  t_capture.active = false;
  std::string out = std::move(t_capture.text);
  t_capture.text.clear();
  return out;
}

void FlushCaptured(bool print) {
  if (print)
    for (auto& [level, line] : t_capture.pending)
      if (Passes(level)) fputs(line.c_str(), stderr);
  t_capture.pending.clear();
}

std::string CapturedCall::Finish(bool ok) {
  done_ = true;
  std::string log = EndLogCapture();
  FlushCaptured(ok);
  while (!log.empty() && log.back() == '\n') log.pop_back();
  for (char& c : log)
    if (c == '\n') c = ';';
  return log;
}

}  // namespace fwctl
