// Shared declarations of the fwctl_native addon. Every wrapped object lives in its own .cc file;
// this header holds what they share: per-environment data, error throwing and argument helpers.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

struct bpf_object;
struct btf;

namespace fwctl {

// Per-environment (main thread or worker) data: constructors and the JS error factory.
struct AddonData {
  Napi::FunctionReference mapCtor;
  Napi::FunctionReference progCtor;
  Napi::FunctionReference errorFactory;  // (op, errno, detail) => Error, set by the TS façade
};

AddonData& Data(Napi::Env env);

// Builds the error for a failed libbpf/syscall operation: the façade's BpfError when registered,
// else a plain Error with op/errno/code. `err` is a positive errno.
Napi::Error MakeBpfError(Napi::Env env, const char* op, int err, const std::string& detail = "");
[[noreturn]] void ThrowBpfError(Napi::Env env, const char* op, int err, const std::string& detail = "");
// libbpf returns -errno (and sets errno); a NULL pointer return leaves the cause in errno.
inline int PosErr(long ret) { return ret < 0 ? static_cast<int>(-ret) : static_cast<int>(ret); }

// Argument helpers: throw TypeError/RangeError on misuse (the façade validates first; these
// only keep a wrong call from reaching the kernel with a bad pointer or length).
Napi::Buffer<uint8_t> ArgBuffer(const Napi::CallbackInfo& info, size_t i, const char* what);
bool ArgIsNullish(const Napi::CallbackInfo& info, size_t i);
uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* what);
int32_t ArgI32(const Napi::CallbackInfo& info, size_t i, const char* what);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what);

// Log capture around bpf_object__load (log.cc): libbpf output goes to stderr filtered by the
// JS-set level, and while a capture is active it is also collected for the error message.
void InstallPrintCallback();
void SetLogLevel(int level);  // 0 silent, 1 warn, 2 info, 3 debug
int GetLogLevel();
void BeginLogCapture();
std::string EndLogCapture();     // returns what was collected (WARN/INFO) and stops collecting
void FlushCaptured(bool print);  // prints the collected lines that pass the level, then forgets them

// Runs around one libbpf call: collects its output; Finish() prints it (success) or returns it
// folded onto one line (failure: "libbpf: Kernel error message: ...") for the error detail.
class CapturedCall {
 public:
  CapturedCall() { BeginLogCapture(); }
  ~CapturedCall() {
    if (!done_) {
      EndLogCapture();
      FlushCaptured(false);
    }
  }
  std::string Finish(bool ok);

 private:
  bool done_ = false;
};

// Wrapped objects.
Napi::Function InitObject(Napi::Env env);
Napi::Function InitMap(Napi::Env env);
Napi::Function InitProgram(Napi::Env env);
Napi::Function InitRunner(Napi::Env env);
Napi::Function InitRingBuffer(Napi::Env env);
void InitXdp(Napi::Env env, Napi::Object exports);

// Creates JS handles that own `fd` (closed by the handle); on failure closes fd and throws.
Napi::Object NewMapFromFd(Napi::Env env, int fd);
Napi::Object NewProgramFromFd(Napi::Env env, int fd);
// The map fd inside a Map handle (for RingBuffer); throws if closed or not a Map.
int MapFdOf(Napi::Env env, Napi::Value v);

// BTF queries (btf.cc).
Napi::Value BtfStruct(Napi::Env env, const struct btf* btf, const std::string& name);
Napi::Value BtfEnum(Napi::Env env, const struct btf* btf, const std::string& name);
// Finds a global variable in the object's DATASECs: section name, offset and size.
bool BtfFindGlobal(const struct btf* btf, const std::string& name, std::string* section,
                   uint32_t* offset, uint32_t* size);

}  // namespace fwctl
